"""Pictures of computational graphs: Graphviz DOT text, and PNG/SVG through the ``dot`` tool."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from typing import Any

from ..tensor import Tensor


def _tensor_label(t: Tensor, verbose: bool) -> str:
    label = t.name or ""
    if verbose or not label:
        shape = "x".join(str(s) for s in t.shape) or "scalar"
        label = f"{label}\\n{shape} {t.dtype}" if label else f"{shape} {t.dtype}"
    return label


def to_dot(output: Any, verbose: bool = True) -> str:
    """Graphviz DOT text of the graph that produced ``output`` (a tensor or a list of them):
    tensors as ellipses with shape and dtype, operations as boxes.

    >>> import scratchgrad as sg
    >>> x = sg.tensor([1.0], requires_grad=True)
    >>> "Exp" in to_dot(sg.exp(x) * x)
    True
    """
    roots = [output] if isinstance(output, Tensor) else list(output)
    lines = ["digraph g {", "  rankdir=LR;"]
    seen_t: set[int] = set()
    seen_f: set[int] = set()

    def add_tensor(t: Tensor) -> None:
        if id(t) in seen_t:
            return
        seen_t.add(id(t))
        color = "lightblue" if t.creator is None and t.requires_grad else "orange"
        lines.append(f'  t{id(t)} [label="{_tensor_label(t, verbose)}", color={color}, '
                     'style=filled];')

    stack = []
    for r in roots:
        add_tensor(r)
        if r.creator is not None:
            stack.append(r.creator)
    while stack:
        fn = stack.pop()
        if id(fn) in seen_f:
            continue
        seen_f.add(id(fn))
        lines.append(f'  f{id(fn)} [label="{type(fn).__name__}", shape=box, '
                     'color=lightgrey, style=filled];')
        for ref in fn.outputs:
            o = ref()
            if o is not None:
                add_tensor(o)
                lines.append(f"  f{id(fn)} -> t{id(o)};")
        for x in fn.inputs:
            add_tensor(x)
            lines.append(f"  t{id(x)} -> f{id(fn)};")
            if x.creator is not None:
                stack.append(x.creator)
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_dot(dot_text: str, path: str) -> str:
    """Render DOT text to ``path`` (format from the extension) with Graphviz's ``dot``."""
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError("plot_graph: the Graphviz program 'dot' was not found on PATH; "
                           "install the 'graphviz' package (Debian/Ubuntu: apt-get install "
                           "graphviz, macOS: brew install graphviz), or use to_dot() for text")
    fmt = os.path.splitext(path)[1].lstrip(".") or "png"
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix="." + fmt, dir=directory)
    os.close(fd)
    try:
        subprocess.run([exe, "-T" + fmt, "-o", tmp], input=dot_text.encode(), check=True,
                       capture_output=True)
        os.replace(tmp, path)  # atomic: never a half-written picture
    except subprocess.CalledProcessError as e:
        raise RuntimeError(f"plot_graph: dot failed: {e.stderr.decode().strip()}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def plot_graph(output: Any, path: str = "graph.png", verbose: bool = True) -> str:
    """Draw the graph that produced ``output`` to an image file (PNG, SVG, PDF).

    >>> import scratchgrad as sg  # doctest: +SKIP
    >>> x = sg.tensor([1.0], requires_grad=True)  # doctest: +SKIP
    >>> plot_graph(sg.tanh(x), "tanh.png")  # doctest: +SKIP
    'tanh.png'
    """
    return render_dot(to_dot(output, verbose), path)
