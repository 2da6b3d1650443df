"""Proposal photos: only real JPEG, PNG or WebP images, re-encoded as WebP with no metadata at all."""

from __future__ import annotations

import io
import warnings

from civic.core.messages import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from civic.core.errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_PIXELS = 40_000_000  # refuse "decompression bombs" long before they fill the memory
STORED_TYPE = "image/webp"


def _refuse():
    return DomainError(_l("The photo must be a JPEG, PNG or WebP image."), "photo")


def reencode(raw: bytes) -> bytes:
    """Open the upload as an image, turn it upright, shrink it to 1600 px at most and save it as WebP.

    Only the pixels are copied into a new image, so EXIF (GPS position, camera, date), XMP, ICC
    and comments never reach the stored file.
    """
    if len(raw) > MAX_BYTES:
        raise DomainError(_l("The photo must be 5 MB or smaller."), "photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise _refuse()
                if image.width * image.height > MAX_PIXELS:
                    raise DomainError(_l("The photo has too many pixels. Use a smaller one."), "photo")
                image.load()
                upright = ImageOps.exif_transpose(image)
    except DomainError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as error:
        raise _refuse() from error
    mode = "RGBA" if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info else "RGB"
    upright = upright.convert(mode)
    upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean = Image.new(mode, upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=80, method=4)
    return out.getvalue()
