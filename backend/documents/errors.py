"""Named failures of the document wallet, each with Thai and English text."""

from __future__ import annotations

from backend.lib.errors import (
    ClientError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedMediaError,
    ValidationFailedError,
)

__all__ = [
    "DocumentNotFoundError",
    "DocumentTooLargeError",
    "IdempotencyKeyReusedError",
    "ImageSizeError",
    "UnknownDocumentTypeError",
    "UnsupportedDocumentTypeError",
    "UploadInterruptedError",
]


class DocumentNotFoundError(NotFoundError):
    code = "document_not_found"
    message_en = "Document not found."
    message_th = "ไม่พบเอกสาร"


class DocumentTooLargeError(PayloadTooLargeError):
    code = "document_too_large"

    def __init__(self, max_bytes: int) -> None:
        megabytes = f"{max_bytes / 1_048_576:g}"
        super().__init__(
            f"The file is larger than {megabytes} MB. Take the photo again at a lower "
            "resolution, or scan fewer pages.",
            f"ไฟล์มีขนาดเกิน {megabytes} MB กรุณาถ่ายรูปใหม่ให้ความละเอียดต่ำลง หรือสแกนให้น้อยหน้าลง",
        )
        self.max_bytes = max_bytes


class UnsupportedDocumentTypeError(UnsupportedMediaError):
    code = "unsupported_document_type"
    message_en = "Only PDF, JPEG and PNG files are accepted."
    message_th = "รับเฉพาะไฟล์ PDF, JPEG และ PNG เท่านั้น"


class ImageSizeError(ValidationFailedError):
    """An image whose header cannot be read, or whose pixel size is absurd."""

    code = "image_size_invalid"
    message_en = "This image's size could not be read or is too large. Please take it again."
    message_th = "อ่านขนาดรูปภาพไม่ได้หรือรูปภาพใหญ่เกินไป กรุณาถ่ายใหม่"


class UnknownDocumentTypeError(ValidationFailedError):
    code = "unknown_document_type"

    def __init__(self, document_type: str) -> None:
        super().__init__(
            fields={
                "document_type": {
                    "en": f"Unknown document type {document_type[:40]!r}.",
                    "th": "ไม่รู้จักประเภทเอกสารนี้",
                }
            }
        )


class IdempotencyKeyReusedError(ConflictError):
    code = "idempotency_key_reused"
    message_en = (
        "This Idempotency-Key was already used for another upload (different content or "
        "type, or since deleted). Send a new key for a new upload."
    )
    message_th = "รหัสป้องกันการส่งซ้ำนี้ถูกใช้กับการอัปโหลดอื่นแล้ว กรุณาใช้รหัสใหม่สำหรับการอัปโหลดใหม่"


class UploadInterruptedError(ClientError):
    """The client went away mid-upload; nothing was kept. Nobody usually reads this answer."""

    code = "upload_interrupted"
    message_en = "The upload was interrupted. Please try again."
    message_th = "การอัปโหลดถูกขัดจังหวะ กรุณาลองใหม่"
