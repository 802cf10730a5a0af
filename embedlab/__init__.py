"""EmbedLab: would custom embeddings beat the pretrained ones on your corpus?"""

from embedlab.config import make_offline

make_offline()

__version__ = "0.1.0"
