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
# Refuse "decompression bombs" from the header, before a pixel is decoded: a 69-byte PNG can claim
# 1 x 39,999,999 pixels. 24 megapixels is more than phone cameras take; no side may pass 8,000.
MAX_PIXELS = 24_000_000
MAX_SIDE_IN = 8_000
STORED_TYPE = "image/webp"
# Pillow's own limit, for any other code that opens an image: past it Pillow warns, past twice it refuses.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _refuse():
    return DomainError(_l("The photo must be a JPEG, PNG or WebP image."), "photo")


def _too_large():
    return DomainError(_l("The photo has too many pixels. Use one of at most %(megapixels)d megapixels, with no "
                          "side longer than %(side)d pixels.", megapixels=MAX_PIXELS // 1_000_000,
                          side=MAX_SIDE_IN), "photo")


def check(raw: bytes) -> None:
    """The cheap checks, from the file's header only: size in bytes, format, width and height.

    Image.open reads the header and decodes nothing; forms call this as a validator, and the
    service calls it again before decoding.
    """
    if len(raw) > MAX_BYTES:
        raise DomainError(_l("The photo must be 5 MB or smaller."), "photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise _refuse()
                width, height = image.size
    except DomainError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_large() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise _refuse() from error
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE_IN:
        raise _too_large()


def validate_upload(form, field) -> None:
    """A WTForms validator: the header checks of `check`, with the stream left at its start."""
    from wtforms.validators import ValidationError

    upload = field.data
    if not (upload and getattr(upload, "filename", "")):
        return
    try:
        check(upload.read(MAX_BYTES + 1))
    except DomainError as error:
        raise ValidationError(error.message) from None
    finally:
        upload.stream.seek(0)


def reencode(raw: bytes) -> bytes:
    """Open the upload as an image, turn it upright, shrink it to 1600 px at most and save it as WebP.

    Only the pixels are copied into a new image, so EXIF (GPS position, camera, date), XMP, ICC
    and comments never reach the stored file.
    """
    check(raw)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
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
