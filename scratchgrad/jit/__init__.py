"""The compiler: trace an eager function into a plan of ops, optimise it, replay it.

``scratchgrad.compile(fn)`` is the entry point; see :mod:`scratchgrad.jit.compiler` for what a
replay repeats and when it falls back to eager mode, :mod:`scratchgrad.jit.trace` for how a
trace is recorded and :mod:`scratchgrad.jit.program` for the passes and the replay.
"""
from .compiler import CompiledFunction, compile

__all__ = ["compile", "CompiledFunction"]
