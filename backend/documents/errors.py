"""Named failures of the document wallet, each with Thai and English text."""

from __future__ import annotations

from typing import Any

from backend.lib.errors import (
    ClientError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PortalError,
    UnsupportedMediaError,
    ValidationFailedError,
)

__all__ = [
    "DocumentInUseError",
    "DocumentNotFoundError",
    "DocumentTooLargeError",
    "IdempotencyKeyReusedError",
    "ImageSizeError",
    "UnknownDocumentTypeError",
    "UnsupportedDocumentTypeError",
    "UploadBusyError",
    "UploadHeaderError",
    "UploadInterruptedError",
    "UploadLengthExceededError",
    "UploadNotFoundError",
    "UploadOffsetMismatchError",
]


class DocumentNotFoundError(NotFoundError):
    code = "document_not_found"
    message_en = "Document not found."
    message_th = "ไม่พบเอกสาร"


class DocumentInUseError(ConflictError):
    code = "document_in_use"
    message_en = "An application awaiting the agency uses this document: it stays until decided."
    message_th = "มีคำขอที่รอหน่วยงานพิจารณาใช้เอกสารนี้อยู่ จึงลบได้หลังจากหน่วยงานตัดสินแล้ว"


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


class UploadNotFoundError(NotFoundError):
    """Unknown, someone else's, expired or deleted: the client starts a new upload."""

    code = "upload_not_found"
    message_en = "This upload does not exist or has expired. Please upload the file again."
    message_th = "ไม่พบการอัปโหลดนี้หรือหมดอายุแล้ว กรุณาอัปโหลดไฟล์ใหม่"


class UploadHeaderError(ClientError):
    """A missing or malformed Upload-Length, Upload-Offset or Idempotency-Key header."""

    def __init__(self, header: str) -> None:
        super().__init__(
            f"The {header} header is missing or not valid.",
            f"ส่วนหัว {header} ไม่มีหรือไม่ถูกต้อง",
            code=f"{header.lower().replace('-', '_')}_invalid",
        )


class _AtOffset(PortalError):
    """Errors that tell the client where the upload stands, so it goes on from there."""

    def __init__(self, offset: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(headers={"Upload-Offset": str(offset), **(headers or {})})
        self.offset = offset

    def body(self) -> dict[str, Any]:
        return {**super().body(), "offset": self.offset}


class UploadOffsetMismatchError(_AtOffset, ConflictError):
    code = "upload_offset_mismatch"
    message_en = "The server has another part of this file. Continue from the offset given."
    message_th = "เซิร์ฟเวอร์ได้รับไฟล์นี้ไปถึงตำแหน่งอื่นแล้ว กรุณาส่งต่อจากตำแหน่งที่ระบุ"


class UploadBusyError(_AtOffset, ConflictError):
    """Another request is appending to this upload (or one whose client vanished still holds
    it for a few seconds): wait `Retry-After`, then ask where it stands."""

    code = "upload_busy"
    message_en = "This file is still being received. Please wait a moment and try again."
    message_th = "กำลังรับไฟล์นี้อยู่ กรุณารอสักครู่แล้วลองใหม่"

    def __init__(self, offset: int, retry_after: int) -> None:
        super().__init__(offset, {"Retry-After": str(max(1, retry_after))})


class UploadLengthExceededError(_AtOffset, PayloadTooLargeError):
    """More bytes than Upload-Length declared: none past the length is kept (`offset`)."""

    code = "upload_length_exceeded"
    message_en = "More data was sent than the upload's declared length."
    message_th = "ส่งข้อมูลเกินขนาดที่แจ้งไว้สำหรับการอัปโหลดนี้"
