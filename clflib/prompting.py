"""Classifying by prompting a generative model: the route lesson 10 compares with fine-tuning.

An instruction-tuned language model gets the label list and one text, answers with greedy
decoding, and the answer is parsed: a label name, or :data:`UNKNOWN` when the answer names no
label (or more than one). Nothing is guessed. No generative model can be downloaded in the
course's offline build, so the lesson runs this route only with the Hub; the tests run the same
code on :func:`tiny_random_causal_lm`, a randomly initialised model whose answers are noise
(and so mostly ``unknown``), to keep the code path working.

>>> parse_label("Label: card_arrival.", ["card_arrival", "card_linking"])
'card_arrival'
>>> parse_label("card arrival or card linking", ["card_arrival", "card_linking"])
'unknown'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from clflib.models import load_tokenizer

__all__ = [
    "UNKNOWN",
    "DEFAULT_INSTRUCT_MODEL",
    "build_messages",
    "prompt_text",
    "parse_label",
    "PromptClassifier",
    "tiny_random_causal_lm",
]

UNKNOWN = "unknown"
# A small instruction-tuned model with an open licence (Apache-2.0), for learners with the Hub.
DEFAULT_INSTRUCT_MODEL = "Qwen/Qwen2.5-0.5B-Instruct"


def build_messages(
    text: str,
    label_names: Sequence[str],
    examples: Sequence[tuple[str, str]] = (),
    task: str = "customer message",
) -> list[dict[str, str]]:
    """Chat messages asking for one label of ``label_names`` for ``text``; ``examples`` are
    (text, label) pairs shown first as earlier turns (few-shot prompting).

    >>> [m["role"] for m in build_messages("hi", ["a", "b"], [("x", "a")])]
    ['system', 'user', 'assistant', 'user']
    """
    if not label_names:
        raise ValueError("label_names is empty: a prompt needs the list of labels to choose from.")
    unknown = [label for _, label in examples if label not in label_names]
    if unknown:
        raise ValueError(f"few-shot example labels {unknown} are not in label_names.")
    system = (
        f"You classify a {task} into exactly one of these labels: {', '.join(label_names)}. "
        "Answer with the label only, written exactly as in the list."
    )
    messages = [{"role": "system", "content": system}]
    for example, label in examples:
        messages += [{"role": "user", "content": example}, {"role": "assistant", "content": label}]
    return messages + [{"role": "user", "content": text}]


def prompt_text(tokenizer, messages: list[dict[str, str]]) -> str:
    """The prompt string: the tokenizer's chat template when it has one (instruct models), else
    a plain "Role: content" transcript ending with "Assistant:"."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    turns = [f"{m['role'].capitalize()}: {m['content']}" for m in messages]
    return "\n".join(turns) + "\nAssistant:"


def _normalise(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.lower()).strip()


def _label_forms(label_names: Sequence[str]) -> dict[str, str]:
    forms: dict[str, str] = {}
    for name in label_names:
        form = _normalise(name)
        if form in forms:
            raise ValueError(
                f"labels {forms[form]!r} and {name!r} read the same once case and _/- are ignored."
            )
        forms[form] = name
    return forms


def parse_label(answer: str, label_names: Sequence[str]) -> str:
    """The label an answer names, or :data:`UNKNOWN`.

    Case, underscores, hyphens, Markdown emphasis and a leading "Label:" or "Answer:" are
    ignored, and the first non-empty line is read. An answer that is a label wins; else the one
    label named in it as whole words (a label inside a longer named label, such as
    ``card_not_working`` inside ``virtual_card_not_working``, does not count); two or more
    different labels, or none, give :data:`UNKNOWN`.

    >>> parse_label("The label is virtual_card_not_working.", ["card_not_working", "virtual_card_not_working"])
    'virtual_card_not_working'
    """
    forms = _label_forms(label_names)
    lines = [line.strip(" *`_\t") for line in (answer or "").splitlines()]
    lines = [
        re.sub(r"^(label|answer)\s*:\s*", "", line, flags=re.I).strip(" .'\"`*") for line in lines if line
    ]
    cleaned = _normalise(next((line for line in lines if line), ""))
    if cleaned in forms:
        return forms[cleaned]
    spans = [
        (match.start(), match.end(), name)
        for form, name in forms.items()
        for match in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", cleaned)
    ]
    named = {
        name
        for start, end, name in spans
        if not any(s <= start and end <= e and (e - s) > (end - start) for s, e, _ in spans)
    }
    return named.pop() if len(named) == 1 else UNKNOWN


class PromptClassifier:
    """Zero- or few-shot classification with a text-generation model, greedy and parsed.

    ``model`` is a Hub name or a loaded causal LM (then ``tokenizer`` is needed). Predictions are
    label names or :data:`UNKNOWN`; :attr:`last_answers` keeps the raw answers to read.

    >>> classifier = PromptClassifier(*tiny_random_causal_lm(), label_names=["a", "b"])
    >>> set(classifier.predict(["hello"])) <= {"a", "b", "unknown"}
    True
    """

    def __init__(
        self,
        model: Any = DEFAULT_INSTRUCT_MODEL,
        tokenizer: Any = None,
        *,
        label_names: Sequence[str],
        examples: Sequence[tuple[str, str]] = (),
        max_new_tokens: int | None = None,
        device: str | int | None = None,
    ) -> None:
        from transformers import pipeline

        self.label_names = list(label_names)
        self.examples = list(examples)
        self.generator = pipeline("text-generation", model=model, tokenizer=tokenizer, device=device)
        tok = self.generator.tokenizer
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        tok.padding_side = (
            "left"  # a decoder continues the prompt: padding goes before it (the pipeline's default too)
        )
        # room for the longest label and a little punctuation
        longest = max(len(tok(name, add_special_tokens=False)["input_ids"]) for name in self.label_names)
        self.max_new_tokens = max_new_tokens or longest + 4
        self.last_answers: list[str] = []

    def prompts(self, texts: Sequence[str]) -> list[str]:
        """The prompt each text is sent as."""
        tok = self.generator.tokenizer
        return [prompt_text(tok, build_messages(text, self.label_names, self.examples)) for text in texts]

    def predict(self, texts: Sequence[str], batch_size: int = 8) -> list[str]:
        """One label name (or ``unknown``) per text."""
        templated = bool(getattr(self.generator.tokenizer, "chat_template", None))
        outputs = self.generator(
            self.prompts(texts),
            # a chat template already wrote the special tokens: adding them again would double BOS
            add_special_tokens=not templated,
            batch_size=batch_size,
            do_sample=False,
            max_new_tokens=self.max_new_tokens,
            return_full_text=False,
        )
        self.last_answers = [output[0]["generated_text"] for output in outputs]
        return [parse_label(answer, self.label_names) for answer in self.last_answers]


def tiny_random_causal_lm(seed: int = 0):
    """A randomly initialised two-layer causal LM and the course's tokenizer: (model, tokenizer).

    For tests and offline demos of :class:`PromptClassifier` only; its answers are noise.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = load_tokenizer("minilm")
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
    )
    return LlamaForCausalLM(config).eval(), tokenizer
