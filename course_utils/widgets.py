"""An ipywidgets demo for inference with a tuned classifier: type a text, see ŷ = F_ω̃(BERT_θ̃(x_new)).

``inference_demo(model, tokenizer, label_names)`` returns an ``InferenceDemo``: a text box, a
button and a result panel (the predicted label and one bar per class probability). Pressing the
button or Enter runs the model. Nothing waits for input, so a notebook that shows the demo still
runs top to bottom under ``nbclient``/nbgrader; ``demo.run(text)`` does what the button does, from
code (and returns the probabilities), so the result is visible in an executed notebook too.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import numpy as np


def probability_bars_html(label_names: Sequence[str], probs, text: str | None = None) -> str:
    """HTML for one prediction: the winning label, then a bar per class (widest = most probable)."""
    probs = np.asarray(probs, dtype=float).reshape(-1)
    if len(probs) != len(label_names):
        raise ValueError(f"{len(probs)} probabilities for {len(label_names)} labels")
    best = int(probs.argmax())
    rows = []
    for name, p in sorted(zip(label_names, probs), key=lambda pair: -pair[1]):
        color = "#1f77b4" if name == label_names[best] else "#aec7e8"
        rows.append(
            "<div style='display:flex;align-items:center;gap:8px;font-family:monospace'>"
            f"<span style='width:12em;text-align:right'>{html.escape(str(name))}</span>"
            f"<span style='display:inline-block;height:1em;width:{200 * p:.0f}px;background:{color}'></span>"
            f"<span>{p:.3f}</span></div>")
    head = f"<i>{html.escape(text)}</i><br>" if text else ""
    return (f"<div>{head}<b>{html.escape(str(label_names[best]))}</b> "
            f"(p = {probs[best]:.3f})</div>" + "".join(rows))


class InferenceDemo:
    """Text box + button + result panel around ``predict_fn(list_of_texts) -> probs (n, K)``."""

    def __init__(self, predict_fn: Callable[[list[str]], np.ndarray], label_names: Sequence[str],
                 placeholder: str = "Type a movie review and press Enter or Classify",
                 value: str = ""):
        import ipywidgets as widgets

        self.predict_fn = predict_fn
        self.label_names = list(label_names)
        self.text = widgets.Text(value=value, placeholder=placeholder, continuous_update=False,
                                 layout=widgets.Layout(width="80%"))
        self.button = widgets.Button(description="Classify", button_style="primary")
        self.result = widgets.HTML(value="")
        self.widget = widgets.VBox([widgets.HBox([self.text, self.button]), self.result])
        self.button.on_click(lambda _: self.run())
        # continuous_update=False: the value changes when Enter is pressed (or the box loses focus)
        self.text.observe(lambda change: self.run(change["new"]), names="value")

    def run(self, text: str | None = None) -> dict[str, float] | None:
        """Classify ``text`` (default: what is in the box), show it, return {label: probability}."""
        if text is not None and text != self.text.value:
            self.text.value = text  # the observer calls run() again with this value
            return self.last
        text = self.text.value
        if not text.strip():
            self.result.value = "<i>Type some text first.</i>"
            self.last = None
            return None
        probs = np.asarray(self.predict_fn([text]), dtype=float)[0]
        self.result.value = probability_bars_html(self.label_names, probs)
        self.last = {name: float(p) for name, p in zip(self.label_names, probs)}
        return self.last

    last: dict[str, float] | None = None

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def inference_demo(model, tokenizer, label_names: Sequence[str], max_length: int = 128,
                   value: str = "") -> InferenceDemo:
    """An ``InferenceDemo`` for a ``BertClassifier`` (uses ``course_utils.predict``, which runs the
    model in eval mode without gradients on the model's device)."""
    from .metrics import predict

    def predict_fn(texts: list[str]) -> np.ndarray:
        return predict(model, tokenizer, texts, label_names, max_length=max_length).probs

    return InferenceDemo(predict_fn, label_names, value=value)
