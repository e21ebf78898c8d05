"""Uploads: ``POST /api/plans`` adds or replaces a plan from one file, through the same path as
``airkg ingest`` (:func:`kg.loading.ingest_bytes`).

Off by default: the server is read-only unless ``AIRKG_UPLOADS_ENABLED=true`` *and* a token is configured
(``AIRKG_UPLOAD_TOKEN``); a client then sends ``Authorization: Bearer <token>``.

* Uploads disabled (or enabled without a token): **403**. The route exists and says why it refuses, rather
  than 404, which would send a client looking for a wrong URL; no credential can change the answer, which is
  what 403 means. It is checked before the body is read.
* Missing or wrong token: **401** (compared in constant time), also before the body is read.
* Body larger than ``AIRKG_UPLOAD_MAX_BYTES`` (20 MB): **413**; no ``Content-Length``: **411**.
* A file airkg cannot read or that holds no plan: **422** with the same message ``airkg ingest`` prints; one
  over a size limit once unpacked or decoded (a zip bomb, a 1 GB PDF stream, too many pages or characters)
  or that needs more memory than an upload may use: **413**. A malformed request (no file field, a bad
  ``year``): **400**. Nothing is stored unless the whole plan was extracted, and then in one atomic
  replacement.
* The file is read and extracted in a child process (``kg.loading.extract_isolated``) with an address-space
  limit (``AIRKG_UPLOAD_MEMORY_MB``, 1536) and a time limit (``AIRKG_UPLOAD_SECONDS``), killed past it: the
  server never holds the inflated document. Writes are one at a time: of racing uploads of one id, exactly
  one is "created" (201), the others replace it (200).

The route reads the multipart body itself instead of declaring an ``UploadFile`` parameter: FastAPI parses a
declared body before any dependency runs, so an anonymous client could make the server receive and spool
a large file before being refused.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from api.deps import StoreDep
from api.errors import UnsupportedMediaType
from kg.errors import AirkgError, DocumentError, InputError, Unauthorized
from kg.extract.assembly import PlanOverrides
from kg.extract.reading import MAX_BYTES, READ_SECONDS, DocumentTooLarge
from kg.loading import YEARS, IngestReport, Isolation, ingest_bytes

router = APIRouter(prefix="/api", tags=["plans"])


class UploadSettings(BaseSettings):
    """Whether uploads are allowed, the token they need and how large a file may be (``AIRKG_…``).

    Kept apart from :class:`api.settings.Settings` until the two are merged; the app may put an instance
    in ``app.state.upload_settings``, else the environment is read.
    """

    model_config = SettingsConfigDict(env_prefix="AIRKG_", extra="ignore")

    uploads_enabled: bool = Field(False, description="Accept POST /api/plans (the server is read-only otherwise).")
    upload_token: SecretStr | None = Field(None, description="Bearer token an upload must carry.")
    upload_max_bytes: int = Field(MAX_BYTES, gt=0, description="Largest file an upload may send.")
    upload_memory_mb: int = Field(1536, ge=256, description="Address space of the process that reads an upload.")
    upload_seconds: float = Field(READ_SECONDS + 30, gt=0, description="Seconds reading an upload may take.")


def get_upload_settings(request: Request) -> UploadSettings:
    configured = getattr(request.app.state, "upload_settings", None)
    return configured if isinstance(configured, UploadSettings) else UploadSettings()


UploadSettingsDep = Annotated[UploadSettings, Depends(get_upload_settings)]


class UploadsDisabled(AirkgError):
    """The server does not accept uploads."""

    status = 403
    title = "Uploads disabled"


class UploadTooLarge(AirkgError):
    status = 413
    title = "Upload too large"


class UnprocessableDocument(AirkgError):
    """The file arrived whole but holds nothing airkg can load (:class:`~kg.errors.DocumentError`)."""

    status = 422
    title = "Unreadable document"


class LengthRequired(AirkgError):
    status = 411
    title = "Length required"


def require_upload_token(request: Request, settings: UploadSettingsDep) -> None:
    """Refuse unless uploads are enabled and the request carries the configured token."""
    token = settings.upload_token.get_secret_value() if settings.upload_token else ""
    if not settings.uploads_enabled:
        raise UploadsDisabled("this server is read-only: uploads are disabled (AIRKG_UPLOADS_ENABLED is not set)")
    if not token:
        raise UploadsDisabled("uploads are enabled but no AIRKG_UPLOAD_TOKEN is configured; refusing all uploads")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    valid = hmac.compare_digest(given.strip().encode("latin-1"), token.encode("utf-8"))
    if scheme.lower() != "bearer" or not valid:
        raise Unauthorized("an upload needs the header 'Authorization: Bearer <token>' with the configured token")


class UploadedPlan(BaseModel):
    id: str = Field(description="Plan id (from the file name, or the `id` field).")
    title: str
    source_file: str
    measures: int
    agencies: int
    deadlines: int
    replaced: bool = Field(description="True when a plan of this id was in the store and has been replaced whole.")


class UploadSummary(BaseModel):
    data: list[UploadedPlan]
    count: int
    triples: int = Field(description="Triples in the store after the upload.")
    graphs: int = Field(description="Named graphs in the store after the upload.")
    notes: list[str] = Field(default_factory=list, description="E.g. the same file is already in under another id.")


_MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary",
                         "description": "The plan: .txt (UTF-8 or GB18030), .docx, .pdf with text, or .html."},
                "title": {"type": "string", "description": "Plan title, over the detected one."},
                "region": {"type": "string", "description": "Plan region, e.g. 济南市, over the detected one."},
                "year": {"type": "integer", "minimum": YEARS.start, "maximum": YEARS.stop - 1},
                "id": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.\\-]{0,99}$"},
            },
        }}},
    }
}


@router.post(
    "/plans",
    response_model=UploadSummary,
    status_code=201,
    dependencies=[Depends(require_upload_token)],
    openapi_extra=_MULTIPART,
    responses={
        200: {"description": "A plan of this id was replaced", "model": UploadSummary},
        400: {"description": "A malformed request: no `file` field, a field that is not text, a bad `year` or "
                   "`id`, a malformed multipart body", "content": {"application/problem+json": {}}},
        422: {"description": "The file cannot be read or holds no plan (nothing stored)",
              "content": {"application/problem+json": {}}},
        401: {"description": "Missing or wrong upload token"},
        403: {"description": "Uploads are disabled on this server"},
        411: {"description": "No Content-Length"},
        413: {"description": "The file is larger than the upload limit, or unpacks or decodes to more than a "
                   "limit (docs/ingest.md)", "content": {"application/problem+json": {}}},
        415: {"description": "The body is not multipart/form-data"},
    },
)
async def upload_plan(request: Request, response: Response, store: StoreDep,
                      settings: UploadSettingsDep) -> UploadSummary:
    """Add or replace one plan from an uploaded file (needs the upload token)."""
    name, data, overrides = await _read_upload(request, settings.upload_max_bytes)
    isolation = Isolation(memory_bytes=settings.upload_memory_mb * 1024 * 1024, seconds=settings.upload_seconds)
    try:
        report = await run_in_threadpool(ingest_bytes, store, name, data, overrides, isolation)
    except DocumentTooLarge as error:
        raise UploadTooLarge(error.detail) from None
    except DocumentError as error:
        raise UnprocessableDocument(error.detail) from None
    if report.replaced:
        response.status_code = 200
    response.headers["Location"] = f"/api/plans/{report.plans[0].plan_id}"
    return _summary(report)


async def _read_upload(request: Request, max_bytes: int) -> tuple[str, bytes, PlanOverrides]:
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType("send the plan as multipart/form-data with the file in a field named 'file'")
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise LengthRequired("an upload needs a Content-Length header")
    if int(length) > max_bytes + 65536:
        raise UploadTooLarge(f"the upload is {int(length) / 1_048_576:.1f} MB, larger than the "
                             f"{max_bytes / 1_048_576:.0f} MB limit")
    try:
        form = await request.form(max_files=1, max_fields=10, max_part_size=4096)
    except MultiPartException as error:
        raise InputError(f"malformed multipart body: {error.message}") from None
    except HTTPException as error:  # Starlette turns its parser's MultiPartException into one
        raise InputError(f"malformed multipart body: {error.detail}") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InputError("no file: send the plan in a multipart field named 'file'")
    data = await upload.read(max_bytes + 1)
    name = upload.filename or "upload"
    if len(data) > max_bytes:
        raise UploadTooLarge(f"{name}: larger than the {max_bytes / 1_048_576:.0f} MB limit")
    return name, data, _overrides(form)


def _overrides(form) -> PlanOverrides:
    fields = {key: form.get(key) for key in ("title", "region", "year", "id")}
    if any(value is not None and not isinstance(value, str) for value in fields.values()):
        raise InputError("title, region, year and id are text fields, not files")
    year = fields["year"]
    if year is not None and not year.strip().isdigit():
        raise InputError(f"year {year!r} is not a number")
    return PlanOverrides(title=fields["title"] or None, region=fields["region"] or None,
                         year=int(year) if year else None, plan_id=fields["id"] or None)


def _summary(report: IngestReport) -> UploadSummary:
    plans = [
        UploadedPlan(id=plan.plan_id, title=plan.title, source_file=plan.source_file, measures=plan.measures,
                     agencies=plan.agencies, deadlines=plan.deadlines, replaced=plan.plan_id in report.replaced)
        for plan in report.plans
    ]
    notes = [f"plan {plan_id} has the same source file as plan(s) {', '.join(others)} already in the store"
             for plan_id, others in report.same_text_as.items()]
    return UploadSummary(data=plans, count=len(plans), triples=report.triples, graphs=report.graphs, notes=notes)
