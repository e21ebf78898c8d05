"""``POST /api/plans`` (api/routes/uploads.py): off by default, token-gated, the same ingest and the same
messages as ``airkg ingest``, and the store unchanged by every refusal.

The router is mounted on a bare app here (with the API's error handlers) so it is tested on its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.errors import install_error_handlers
from api.models import MeasureFilter
from api.reads.entities import list_agencies
from api.reads.measures import find_measures
from api.reads.plans import list_plans
from api.routes import uploads
from document_formats import to_docx
from kg.errors import DocumentError
from kg.extract.assembly import extract_plan
from kg.extract.reading import document_from_bytes
from kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parent.parent
PLAN = (ROOT / "tests" / "documents" / "layout_table.txt").read_bytes()
TOKEN = "s3cret-upload-token"


def client_for(store: OxigraphStore, settings: uploads.UploadSettings | None) -> TestClient:
    app = FastAPI()
    app.state.store = store
    if settings is not None:
        app.state.upload_settings = settings
    install_error_handlers(app)
    app.include_router(uploads.router)
    return TestClient(app)


@pytest.fixture()
def store(tmp_path: Path) -> OxigraphStore:
    opened = OxigraphStore(tmp_path / "store")
    yield opened
    opened.close()


def enabled() -> uploads.UploadSettings:
    return uploads.UploadSettings(uploads_enabled=True, upload_token=TOKEN)


def upload(client: TestClient, name: str = "baiyun.txt", data: bytes = PLAN, token: str | None = TOKEN,
           fields: dict | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.post("/api/plans", files={"file": (name, data)}, data=fields or {}, headers=headers)


def state(store: OxigraphStore) -> tuple[int, list[str]]:
    return store.triple_count(), store.graph_iris()


def test_uploads_are_off_by_default(store: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIRKG_UPLOADS_ENABLED", raising=False)
    monkeypatch.setenv("AIRKG_UPLOAD_TOKEN", TOKEN)
    response = upload(client_for(store, None))
    assert response.status_code == 403
    assert response.json()["detail"].startswith("this server is read-only: uploads are disabled")
    assert state(store) == (0, [])


def test_enabled_without_a_configured_token_still_refuses(store: OxigraphStore) -> None:
    response = upload(client_for(store, uploads.UploadSettings(uploads_enabled=True)), token="")
    assert response.status_code == 403 and "no AIRKG_UPLOAD_TOKEN" in response.json()["detail"]
    assert state(store) == (0, [])


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer", f"{TOKEN}"])
def test_a_missing_or_wrong_token_is_401(store: OxigraphStore, header: str | None) -> None:
    client = client_for(store, enabled())
    headers = {"Authorization": header} if header is not None else {}
    response = client.post("/api/plans", files={"file": ("baiyun.txt", PLAN)}, headers=headers)
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"
    assert state(store) == (0, [])


def test_settings_come_from_the_environment(store: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRKG_UPLOADS_ENABLED", "true")
    monkeypatch.setenv("AIRKG_UPLOAD_TOKEN", TOKEN)
    assert upload(client_for(store, None)).status_code == 201


def test_an_upload_adds_then_replaces_a_plan(store: OxigraphStore) -> None:
    client = client_for(store, enabled())
    listed_before = list_plans(store, 10)[1], list_agencies(store, 10)[1]
    measures_before = find_measures(store, MeasureFilter(limit=1))[1]
    first = upload(client)
    assert first.status_code == 201, first.text
    # the lists read before the upload (and kept for reuse) are read again after it: one plan, and its 17
    # assigned agencies with its publisher, 广州市白云区人民政府办公室 (lines 1 and 7 of the document)
    assert (list_plans(store, 10)[1], list_agencies(store, 10)[1]) == (listed_before[0] + 1, listed_before[1] + 18)
    assert find_measures(store, MeasureFilter(limit=1))[1] == measures_before + 11
    body = first.json()
    assert body["count"] == 1 and body["data"][0] == {
        "id": "baiyun", "title": "广东省广州市白云区2024年空气质量持续改善攻坚行动方案", "source_file": "baiyun.txt",
        "measures": 11, "agencies": 17, "deadlines": 13, "replaced": False}
    assert first.headers["location"] == "/api/plans/baiyun"
    assert body["triples"] == store.triple_count() and body["graphs"] == len(store.graph_iris())
    triples = store.triple_count()

    again = upload(client)
    assert again.status_code == 200 and again.json()["data"][0]["replaced"] is True
    assert store.triple_count() == triples


def test_form_fields_override_and_a_docx_reads(store: OxigraphStore) -> None:
    client = client_for(store, enabled())
    text = (ROOT / "tests" / "documents" / "layout_duty_lines.txt").read_text(encoding="utf-8")
    response = upload(client, "xuzhou.docx", to_docx(text), fields={"id": "xz-2030", "title": "徐州测试", "year": "2030"})
    assert response.status_code == 201, response.text
    assert response.json()["data"][0] == {
        "id": "xz-2030", "title": "徐州测试", "source_file": "xuzhou.docx", "measures": 13, "agencies": 21,
        "deadlines": 17, "replaced": False}


BAD = {
    "empty.txt": b"",
    "photo.pdf": b"\x89PNG\r\n\x1a\n" + bytes(500),
    "news.txt": ("近日，记者从市生态环境局获悉，今年以来我市空气质量持续向好，优良天数同比增加。"
                 "市民纷纷表示，蓝天白云越来越多了。专家指出，这得益于持续开展的治理工作。").encode("utf-8"),
    "half.docx": to_docx(PLAN.decode("utf-8"))[:3000],
    "plan.doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
    "cut.txt": PLAN[:1001],
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_is_422_with_the_cli_message(store: OxigraphStore, name: str) -> None:
    client = client_for(store, enabled())
    assert upload(client).status_code == 201
    before = state(store)
    response = upload(client, name, BAD[name])
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    with pytest.raises(DocumentError) as refused:  # what `airkg ingest` reports for this file
        extract_plan(document_from_bytes(name, BAD[name]))
    assert response.json()["detail"] == refused.value.detail
    assert state(store) == before


def test_limits_and_malformed_requests(store: OxigraphStore) -> None:
    client = client_for(store, uploads.UploadSettings(uploads_enabled=True, upload_token=TOKEN, upload_max_bytes=4000))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    too_large = upload(client, data=PLAN)
    assert too_large.status_code == 413 and "limit" in too_large.json()["detail"]
    assert client.post("/api/plans", json={"file": "x"}, headers=auth).status_code == 415
    no_file = client.post("/api/plans", data={"title": "x"}, files={"other": ("a.txt", b"x")}, headers=auth)
    assert no_file.status_code == 400 and "field named 'file'" in no_file.json()["detail"]
    bad_year = upload(client, data=PLAN[:3000], fields={"year": "next"})
    assert bad_year.status_code == 400 and "year 'next' is not a number" in bad_year.json()["detail"]
    bad_id = upload(client, data=PLAN[:3000], fields={"id": "../etc"})
    assert bad_id.status_code == 400 and "not usable" in bad_id.json()["detail"]
    assert state(store) == (0, [])


def test_a_path_in_the_file_name_is_dropped(store: OxigraphStore) -> None:
    response = upload(client_for(store, enabled()), "../../etc/baiyun.txt")
    assert response.status_code == 201 and response.json()["data"][0]["source_file"] == "baiyun.txt"


def test_the_route_is_documented_as_multipart() -> None:
    app = FastAPI()
    app.include_router(uploads.router)
    operation = app.openapi()["paths"]["/api/plans"]["post"]
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"] and {"401", "403", "400", "413", "422"} <= set(operation["responses"])


# --------------------------------------------------------------------------- issue 13: isolation, races, limits


def test_a_decompression_bomb_is_413_and_read_in_another_process(store: OxigraphStore) -> None:
    from test_reading_limits import docx_with_document_xml, pdf_with_stream

    client = client_for(store, enabled())
    pdf = upload(client, "bomb.pdf", pdf_with_stream(1024 * 1024 * 1024))
    assert pdf.status_code == 413 and pdf.headers["content-type"] == "application/problem+json"
    assert pdf.json()["detail"] == "bomb.pdf: a stream decodes to more than the 64 MB limit for one stream"
    docx = upload(client, "bomb.docx", docx_with_document_xml(190 * 1024 * 1024))
    assert docx.status_code == 413 and "over the 96 MB limit" in docx.json()["detail"]
    assert state(store) == (0, [])


def test_an_upload_past_its_memory_limit_is_413(store: OxigraphStore) -> None:
    from test_reading_limits import docx_with_document_xml

    settings = uploads.UploadSettings(uploads_enabled=True, upload_token=TOKEN, upload_memory_mb=256)
    response = upload(client_for(store, settings), "big.docx", docx_with_document_xml(60 * 1024 * 1024))
    assert response.status_code == 413, response.text
    assert "needs more than the 256 MB of memory an upload may use" in response.json()["detail"]
    assert state(store) == (0, [])


def test_an_upload_past_its_time_limit_is_422(store: OxigraphStore) -> None:
    settings = uploads.UploadSettings(uploads_enabled=True, upload_token=TOKEN, upload_seconds=0.05)
    response = upload(client_for(store, settings))
    assert response.status_code == 422 and "took more than 0 s" in response.json()["detail"]
    assert state(store) == (0, [])


def test_racing_uploads_of_one_id_make_one_plan(store: OxigraphStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    client = client_for(store, enabled())
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: upload(client).status_code, range(8)))
    assert statuses == [200] * 7 + [201], statuses
    assert store.graph_iris().count("https://airkg.example.org/id/graph/plan/baiyun") == 1


def test_a_plan_id_over_100_characters_is_refused(store: OxigraphStore) -> None:
    client = client_for(store, enabled())
    response = upload(client, "a" * 101 + ".txt")
    assert response.status_code == 422 and "(101 characters), which is not usable" in response.json()["detail"]
    response = upload(client, fields={"id": "b" * 101})
    assert response.status_code == 400 and "(101 characters)" in response.json()["detail"]
    assert state(store) == (0, [])


@pytest.mark.parametrize("content_type,body", [
    ("multipart/form-data", b"abc"),
    ("multipart/form-data; boundary=abc", b"\x00\xff" * 100),
    ("multipart/form-data; boundary=abc", b"--abc\r\n\r\nhello\r\n--abc--\r\n"),
    ("multipart/form-data; boundary=abc",
     b'--abc\r\nContent-Disposition: form-data; name="title"\r\n\r\n' + b"x" * 10000 + b"\r\n--abc--\r\n"),
])
def test_a_malformed_multipart_body_is_a_problem(store: OxigraphStore, content_type: str, body: bytes) -> None:
    client = client_for(store, enabled())
    response = client.post("/api/plans", content=body,
                           headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith(("malformed multipart body: ", "no file"))


def test_a_plan_of_17_mb_uploads(store: OxigraphStore) -> None:
    """Its full text is longer than pyoxigraph's 16 MiB parser buffer (a 500 before issue 13)."""
    text = (ROOT / "seeds" / "000_aa781de31b5c5cff.txt").read_text(encoding="utf-8")
    line = "加强工业企业挥发性有机物综合治理，推进重点行业深度治理和清洁生产改造工作。" * 20 + "\n"
    data = (text + line * ((17_500_000 - len(text.encode())) // len(line.encode()))).encode("utf-8")
    response = upload(client_for(store, enabled()), "big_plan.txt", data)
    assert response.status_code == 201, response.text[:500]
    rows = store.query("SELECT (STRLEN(?t) AS ?n) WHERE { <https://airkg.example.org/id/document/big_plan> "
                       "airkg:fullText ?t }").rows
    assert int(rows[0]["n"]) > 5_800_000
