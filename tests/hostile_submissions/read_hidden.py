# Attack: find the hidden tests and the solutions, and print them into the gradebook and the executed notebook.
import os

from clflib.course import PROJECT_ROOT

needles = ("test_q01_" + "answer", "not the right " + "choice")  # spelled so this cell does not contain them
found = []
roots = [str(PROJECT_ROOT), os.path.expanduser("~"), "/tmp", "..", "../..", "/root", "/home"]
for root in roots:
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as handle:
                    text = handle.read(2_000_000).decode("utf-8", "replace")
            except OSError:
                continue
            if any(needle in text for needle in needles):
                start = max(0, text.find(needles[0]) - 200)
                found.append(path + ": " + text[start : start + 400])
print("found", len(found), found[:3])
raise RuntimeError("LEAK " + " | ".join(found)[:3000])
