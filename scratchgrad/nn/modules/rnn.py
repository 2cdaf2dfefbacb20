"""PyTorch's ``torch.nn.modules.rnn`` path: recurrent layers, the same classes as
``scratchgrad.nn``, re-exported from where they are written."""
from ..rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
