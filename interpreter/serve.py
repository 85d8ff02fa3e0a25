"""`regels serve`: the rule set over HTTP, on FastAPI served by uvicorn.

The rule set (and each policy variant) is loaded and checked once, at start.
A request's body is a case, as YAML or JSON, read exactly like a case file;
the answers are made by the functions the command line uses, so POST /bereken
gives the bytes of `regels bereken --json`. Every error is a JSON body
{"fouten": [...]} with the file (the name given by ?bestand=), line, column,
message and hint: 4xx for bad input, 413 for a body over the size limit, 503
when an evaluation passes the time limit, and never a traceback. Evaluations
run in the thread pool, so a long one does not hold up other requests.
See docs/serve.md."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import socket
import sys
import threading
import time
from fractions import Fraction
from importlib.metadata import PackageNotFoundError, version as package_version
from pathlib import Path

from fastapi import Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from . import values as v
from .api import RuleSets, evaluate, example_cases, read_case_data, schema_file, variant_names
from .compare import compare, compare_json
from .diagnostics import Diagnostic, Pos, RegelsError, suggest
from .evaluate import DeadlineExceeded
from .explain import render_explanation
from .model import Article, RuleSet
from .trace import rule_citation
from .timeline import timeline, timeline_json
from .yamlpos import MAX_FILE_BYTES, YList, parse_yaml

MAX_BODY_BYTES = MAX_FILE_BYTES  # a request's case (or batch) is no larger than a case file
TIME_LIMIT = 10.0  # seconds for the evaluations of one request
STATIC = Path(__file__).parent / "serve_static"
MEDIA = {"tekst": "text/plain; charset=utf-8", "markdown": "text/markdown; charset=utf-8",
         "html": "text/html; charset=utf-8"}
JSON_TYPES = ("application/json", "text/json")
# curl --data-binary sends application/x-www-form-urlencoded unless told otherwise: read as YAML too
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain",
              "application/x-www-form-urlencoded", "")
CASE_BODY = {"description": "een casus in YAML of JSON, zoals een casusbestand (zie /schema/casus)",
             "required": True,
             "content": {"application/yaml": {"schema": {"type": "string"}},
                         "application/json": {"schema": {"$ref": "/schema/casus"}}}}
BATCH_BODY = {"description": "een lijst van casussen in YAML of JSON", "required": True,
              "content": {"application/yaml": {"schema": {"type": "string"}},
                          "application/json": {"schema": {"type": "array", "items": {"$ref": "/schema/casus"}}}}}


class Fout(BaseModel):
    """One error, as `regels check --json` names it."""
    bestand: str | None
    regel: int | None
    kolom: int | None
    ernst: str
    melding: str
    hint: str | None


class Fouten(BaseModel):
    fouten: list[Fout]


ERROR_RESPONSES = {status: {"model": Fouten, "description": what} for status, what in [
    (404, "onbekend adres, artikel of voorbeeld"), (413, "het verzoek is te groot"),
    (415, "geen YAML of JSON"), (422, "de casus of een parameter klopt niet: meldingen met regel, kolom en hint"),
    (503, "het rekenen duurt langer dan de tijdslimiet")]}


class HttpError(Exception):
    """An error answered with `status` and {"fouten": [...]}."""

    def __init__(self, status: int, message: str, hint: str | None = None, file: str | None = None):
        self.status = status
        self.diagnostics = [Diagnostic(Pos(file, 0, 0), message, hint)]


def error_json(diagnostics) -> dict:
    """{"fouten": [...]} as `regels ... --json` names a diagnostic; a position
    that is not in the text (line 0) is null, not a fake line."""
    found = []
    for d in diagnostics:
        item = d.to_json()
        if not item["regel"]:
            item["regel"] = item["kolom"] = None
        found.append(item)
    return {"fouten": found}


class ServedRuleSets(RuleSets):
    """The rule sets of the service: the law and its variants, all loaded at start.
    A variant is named by the name of its file in rules/varianten/, nothing else."""

    def __init__(self, directory):
        super().__init__(directory)
        self.names = variant_names(self.directory)
        self._lock = threading.Lock()  # a combination of variants a case names is loaded once
        self.get()
        for name in self.names:
            self.get([name])

    def get(self, variants=()):
        for name in variants:
            if name not in self.names:
                raise HttpError(422, f"onbekende variant '{name}'",
                                suggest(name, self.names) or ("varianten: " + ", ".join(self.names) if self.names
                                                              else "deze regelset heeft geen varianten"))
        with self._lock:
            return super().get(variants)


def create_app(rules_dir, max_body_bytes: int = MAX_BODY_BYTES, time_limit: float = TIME_LIMIT):
    """The service for the rule set in `rules_dir`. Raises RegelsError if the
    rule set does not load or check."""
    rules_dir = Path(rules_dir)
    rule_sets = ServedRuleSets(rules_dir)
    law = rule_sets.get()
    # the examples and the case schema beside the rule folder (a working copy), else those in the package
    examples = example_cases(rules_dir)
    schema = _first_existing(schema_file("casus", rules_dir))

    app = FastAPIOffline(title="regels", version=_package_version(),
                         description="De regels van de toeslagen (kindgebonden budget, Awir, AWR) als dienst: "
                                     "reken een casus door, lees de uitleg en de tijdlijn, vergelijk met een "
                                     "beleidsvariant. Zie docs/serve.md.", responses=ERROR_RESPONSES)
    app.state.rule_set = law
    _add_error_handlers(app, time_limit)

    async def body_text(request: Request, name: str) -> tuple[str, bool]:
        """The body as text, and whether it is JSON; over the limit: 413 before it is all read."""
        declared = request.headers.get("content-length")
        too_large = HttpError(413, f"het verzoek is groter dan {v.format_count_nl(max_body_bytes)} bytes",
                              "een casus is ten hoogste zo groot als een casusbestand; "
                              "reken een grote populatie door met 'regels batch'", name)
        if declared and declared.isdigit() and int(declared) > max_body_bytes:
            raise too_large
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_body_bytes:
                raise too_large
            chunks.append(chunk)
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in JSON_TYPES + YAML_TYPES:
            raise HttpError(415, f"onbekend soort inhoud '{kind}'",
                            "stuur de casus als YAML (Content-Type: application/yaml) of als JSON "
                            "(Content-Type: application/json)", name)
        try:
            text = b"".join(chunks).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RegelsError(Diagnostic(Pos(name, 1, 1), f"de casus is geen UTF-8-tekst ({exc.reason})",
                                         "stuur de casus als UTF-8"))
        return text.replace("\r\n", "\n").replace("\r", "\n"), kind in JSON_TYPES

    async def run(work, *args):
        """Evaluation in the thread pool: the event loop stays free for other requests."""
        return await run_in_threadpool(work, *args)

    def deadline_from(start: float) -> float:
        return max(time_limit - (time.monotonic() - start), 0.001)

    # --- a case in, an answer out --------------------------------------------------------

    @app.post("/bereken", summary="bereken de uitkomsten van een casus", tags=["casus"],
              openapi_extra={"requestBody": CASE_BODY})
    async def bereken(request: Request, variant: str | None = Query(None, description="een beleidsvariant"),
                      zonder_trace: bool = Query(False, description="zonder de trace (kleiner, sneller)"),
                      bestand: str = Query("casus", description="de naam van de casus in uitvoer en meldingen")):
        """De uitkomsten als `regels bereken --json`, byte voor byte."""
        text, is_json = await body_text(request, bestand)
        return _json_bytes(await run(_bereken, rule_sets, text, is_json, bestand, variant, not zonder_trace,
                                     time_limit))

    @app.post("/uitleg", summary="leg de uitkomsten van een casus uit", tags=["casus"],
              openapi_extra={"requestBody": CASE_BODY})
    async def uitleg(request: Request, taal: str = Query("nl", pattern="^(nl|en)$"),
                     formaat: str = Query("tekst", pattern="^(tekst|markdown|html)$"),
                     waarom: list[str] = Query([]), waarom_niet: list[str] = Query([]),
                     wat_verandert: list[str] = Query([]), variant: str | None = None, bestand: str = "casus"):
        """De uitleg als `regels uitleg --taal ... --formaat ...`."""
        text, is_json = await body_text(request, bestand)

        def work():
            rule_set, case = _case(rule_sets, text, is_json, bestand, variant)
            result = evaluate(rule_set, case, trace=True, deadline=time_limit)
            return render_explanation(result, language=taal, fmt=formaat, why=waarom, why_not=waarom_niet,
                                      what_changes=wat_verandert)
        return Response((await run(work)).encode("utf-8"), media_type=MEDIA[formaat])

    @app.post("/tijdlijn", summary="de stappen van het berekeningsjaar in de tijd", tags=["casus"],
              openapi_extra={"requestBody": CASE_BODY})
    async def tijdlijn(request: Request, taal: str = Query("nl", pattern="^(nl|en)$"),
                       variant: str | None = None, bestand: str = "casus"):
        """De tijdlijn als `regels tijdlijn --json`."""
        text, is_json = await body_text(request, bestand)

        def work():
            rule_set, case = _case(rule_sets, text, is_json, bestand, variant)
            return timeline_json(rule_set, case, timeline(rule_set, case, taal, deadline=time_limit))
        return _json_bytes(_dumps(await run(work)))

    @app.post("/vergelijk", summary="een casus volgens de wet en volgens een beleidsvariant", tags=["casus"],
              openapi_extra={"requestBody": CASE_BODY})
    async def vergelijk(request: Request, variant: str | None = Query(
                            None, description="de variant (standaard: die de casus noemt)"),
                        taal: str = Query("nl", pattern="^(nl|en)$"), bestand: str = "casus"):
        """De verschillen als `regels vergelijk --json`."""
        text, is_json = await body_text(request, bestand)

        def work():
            if variant is not None:
                rule_sets.get([variant])
            data = _parse(text, is_json, bestand)
            case, chosen, rows = compare(rule_sets, bestand, variant, taal, data=data, deadline=time_limit)
            return compare_json(case, chosen, rows)
        return _json_bytes(_dumps(await run(work)))

    @app.post("/batch", summary="bereken een lijst van casussen", tags=["casus"],
              openapi_extra={"requestBody": BATCH_BODY})
    async def batch(request: Request, variant: str | None = None, zonder_trace: bool = False,
                    bestand: str = "casus"):
        """Een JSON-lijst met per casus wat /bereken geeft, of {"fouten": [...]} voor een casus die niet te
        berekenen is; de tijdslimiet geldt voor de hele lijst."""
        text, is_json = await body_text(request, bestand)

        def work():
            cases = _parse(text, is_json, bestand)
            if not isinstance(cases, YList):
                raise RegelsError(Diagnostic(getattr(cases, "pos", Pos(bestand, 1, 1)),
                                             "een batch is een lijst van casussen",
                                             "zet elke casus als een element in een lijst: '- casus: ...' "
                                             "in YAML, of [{...}, {...}] in JSON"))
            start, parts = time.monotonic(), []
            for data in cases:
                try:
                    rule_set, case = read_case_data(data, rule_sets, variant)
                    out = io.StringIO()
                    evaluate(rule_set, case, trace=not zonder_trace,
                             deadline=deadline_from(start)).write_json(out, trace=not zonder_trace)
                    parts.append(out.getvalue().rstrip("\n"))
                except DeadlineExceeded:
                    raise
                except (RegelsError, HttpError) as exc:
                    parts.append(_dumps(error_json(exc.diagnostics)))
            return "[\n" + ",\n".join(parts) + "\n]\n" if parts else "[]\n"
        return _json_bytes(await run(work))

    # --- the rule set --------------------------------------------------------------------

    @app.get("/regels", summary="de wetten, artikelen en parameters op een datum", tags=["regelset"])
    def regels(datum: dt.date | None = Query(None, description="de datum (standaard: vandaag), JJJJ-MM-DD")):
        day = datum or dt.date.today()
        laws: dict[str, dict] = {}
        for article in law.articles:
            entry = laws.setdefault(article.wet, {"wet": article.wet, "afkorting": article.afkorting,
                                                  "bwb": article.bwb, "artikelen": []})
            entry["artikelen"].append(_article_json(article, day, detail=False))
        return {"regelset": _rule_set_json(law), "datum": day.isoformat(), "wetten": list(laws.values())}

    @app.get("/regels/{wet}/{artikel}", summary="één artikel: leden, parameters, regels, versies",
             tags=["regelset"])
    def regels_artikel(wet: str, artikel: str, datum: dt.date | None = Query(None)):
        day = datum or dt.date.today()
        article = _find_article(law, wet, artikel)
        return {"regelset": _rule_set_json(law), "datum": day.isoformat(), **_article_json(article, day, True)}

    @app.get("/schema/casus", summary="het JSON-schema van een casus", tags=["regelset"])
    def schema_casus():
        if schema is None:
            raise HttpError(404, "het schema van een casus is niet gevonden",
                            "het staat in schemas/casus.schema.json naast de map met regels")
        return FileResponse(schema, media_type="application/schema+json")

    @app.get("/versie", summary="de versie van regels en van de regelset", tags=["dienst"])
    def versie():
        return {"regels": _package_version(), "regelset": _rule_set_json(law), "varianten": rule_sets.names,
                "grenzen": {"verzoek_bytes": max_body_bytes, "tijdslimiet_seconden": time_limit}}

    @app.get("/gezondheid", summary="antwoordt de dienst?", tags=["dienst"])
    async def gezondheid():
        return {"status": "ok"}

    # --- the web page and its examples ---------------------------------------------------

    @app.get("/voorbeelden", summary="de voorbeeldcasussen", tags=["webpagina"])
    def voorbeelden():
        return [{"naam": name, "titel": title} for name, (title, _) in examples.items()]

    @app.get("/voorbeelden/{naam}", summary="één voorbeeldcasus (YAML)", tags=["webpagina"])
    def voorbeeld(naam: str):
        if naam not in examples:
            raise HttpError(404, f"geen voorbeeld '{naam}'", suggest(naam, examples) or
                            "de voorbeelden: " + ", ".join(examples))
        return Response(examples[naam][1].read_bytes(), media_type="application/yaml; charset=utf-8")

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.mount("/statisch", StaticFiles(directory=STATIC), name="statisch")
    return app


# --- reading and answering ---------------------------------------------------------------


def _parse(text: str, is_json: bool, name: str):
    """The body as a parsed YAML document with positions. JSON is read by the YAML
    reader as well, for the positions; it is first checked as JSON, so that a JSON
    error is named as one, and its tabs (allowed in JSON, not in YAML) become spaces:
    outside strings, where JSON allows them, so that every column stays the same."""
    if is_json:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise RegelsError(Diagnostic(Pos(name, exc.lineno, exc.colno), f"JSON-syntaxfout: {exc.msg}",
                                         "controleer de komma's, aanhalingstekens en haakjes rond deze plek"))
        text = text.replace("\t", " ")
    return parse_yaml(text, name)


def _case(rule_sets, text: str, is_json: bool, name: str, variant: str | None):
    return read_case_data(_parse(text, is_json, name), rule_sets, variant)


def _bereken(rule_sets, text, is_json, name, variant, trace, time_limit) -> str:
    rule_set, case = _case(rule_sets, text, is_json, name, variant)
    out = io.StringIO()
    evaluate(rule_set, case, trace=trace, deadline=time_limit).write_json(out, trace=trace)
    return out.getvalue()


def _dumps(data) -> str:
    """As the command line prints JSON."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _json_bytes(text: str) -> Response:
    return Response(text.encode("utf-8"), media_type="application/json")


def _add_error_handlers(app, time_limit: float) -> None:
    def answer(status: int, diagnostics) -> JSONResponse:
        return JSONResponse(error_json(diagnostics), status_code=status)

    @app.exception_handler(HttpError)
    async def http_error(request, exc: HttpError):
        return answer(exc.status, exc.diagnostics)

    @app.exception_handler(DeadlineExceeded)
    async def too_slow(request, exc: DeadlineExceeded):
        # the interpreter names the time that was left; the reader needs the limit of the request
        limit = v.format_number_nl(Fraction(str(time_limit)))
        return answer(503, [Diagnostic(d.pos, f"de berekening duurt langer dan de tijdslimiet van {limit} s "
                                              "van deze dienst (voor alle casussen van één verzoek samen)",
                                       "stuur minder casussen per verzoek, start de dienst met een hogere "
                                       "--tijdslimiet, of reken met de opdrachtregel (die heeft geen tijdslimiet)")
                            for d in exc.diagnostics[:1]])

    @app.exception_handler(RegelsError)
    async def bad_case(request, exc: RegelsError):
        return answer(422, exc.diagnostics)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request, exc: RequestValidationError):
        found = []
        for problem in exc.errors():
            name = str(problem.get("loc", ("", "?"))[-1])
            given = problem.get("input")
            found.append(Diagnostic(Pos(None, 0, 0), f"ongeldige waarde '{given}' voor {name}" if given is not None
                                    else f"{name} ontbreekt", PARAMETER_HINTS.get(name, problem.get("msg"))))
        return answer(422, found)

    @app.exception_handler(HTTPException)
    async def not_here(request, exc: HTTPException):
        if exc.status_code == 404:
            return answer(404, [Diagnostic(Pos(None, 0, 0), f"geen pagina {request.url.path}",
                                           "zie /docs voor wat de dienst kan")])
        if exc.status_code == 405:
            return answer(405, [Diagnostic(Pos(None, 0, 0), f"{request.method} kan niet op {request.url.path}",
                                           "zie /docs: een casus stuurt u met POST, de regelset leest u met GET")])
        return answer(exc.status_code, [Diagnostic(Pos(None, 0, 0), str(exc.detail))])

    @app.exception_handler(Exception)
    async def internal(request, exc: Exception):
        return answer(500, [Diagnostic(Pos(None, 0, 0), "interne fout in regels (geen fout in uw casus)",
                                       "meld het, met de casus; de details staan in het logboek van de dienst")])


PARAMETER_HINTS = {"taal": "taal is nl of en", "formaat": "formaat is tekst, markdown of html",
                   "datum": "schrijf een datum als 2020-01-31", "zonder_trace": "zonder_trace is true of false"}


# --- the rule set as data ----------------------------------------------------------------


def _rule_set_json(rule_set: RuleSet) -> dict:
    return {"naam": rule_set.name, **rule_set.version}


def _find_article(rule_set: RuleSet, wet: str, artikel: str) -> Article:
    for article in rule_set.articles:
        if wet.lower() in (article.afkorting.lower(), article.bwb.lower()) and article.artikel.lower() == artikel.lower():
            return article
    known = [f"{a.afkorting.lower()}/{a.artikel}" for a in rule_set.articles]
    raise HttpError(404, f"geen artikel {artikel} van {wet} in de regelset",
                    suggest(f"{wet.lower()}/{artikel}", known) or "zie /regels voor de artikelen")


def _date(day) -> str | None:
    return day.isoformat() if day else None


def _article_json(article: Article, day: dt.date, detail: bool) -> dict:
    """An article on `day`: its version then in force and its parameters' values then, with
    their sources; in `detail` also the text of its leden, every value over time and its
    rules, inputs and relations."""
    def version(ver, text: bool):
        data = {"geldig_vanaf": _date(ver.geldig_vanaf), "geldig_tot": _date(ver.geldig_tot),
                "publicatie": ver.publicatie, "url": ver.url}
        if text:
            data.update(leden=ver.leden, wijziging=ver.wijziging, interpretatie=ver.interpretatie)
        return data

    def value(entry):
        return {"waarde": entry.raw, "geldig_vanaf": _date(entry.vanaf), "bron": entry.bron,
                "onbevestigd": " ".join(entry.onbevestigd.split()) if entry.onbevestigd else None,
                "bestand": f"{entry.pos.file}:{entry.pos.line}"}

    def parameter(p):
        data = {"naam": p.name, "omschrijving": p.omschrijving, "eenheid": p.eenheid, "lid": p.lid_on(day),
                "soort": str(p.type), "bron": p.citation_on(day)}
        current = p.value_on(day)
        data["op_datum"] = value(current) if current else None
        if detail:
            data["waarden"] = [value(entry) for entry in p.values]
        return data

    in_force = article.version_on(day)
    data = {"wet": article.wet, "afkorting": article.afkorting, "bwb": article.bwb, "artikel": article.artikel,
            "titel": article.titel, "bron": article.citation, "bestand": article.file,
            "pad": f"/regels/{article.afkorting.lower()}/{article.artikel}",
            "versie": version(in_force, detail) if in_force else None,
            "versies": [version(ver, False) for ver in article.versions],
            "parameters": [parameter(p) for p in article.parameters.values()],
            "regels": [r.name for r in article.rules.values() if r.version_on(day)]}
    if detail:
        data["interpretatie"] = article.interpretatie
        def rule_lid(r):  # the lid on the date asked: a rule version may name its own
            current = r.version_on(day)
            return (current.lid if current else None) or r.lid

        data["regels"] = [{"naam": r.name, "omschrijving": r.omschrijving, "soort": str(r.type), "per": r.per,
                           "voor": r.voor, "lid": rule_lid(r), "uitkomst": r.uitkomst, "uitzondering_op": r.exception_of,
                           "bron": rule_citation(r, day),
                           "versies": [{"geldig_vanaf": _date(x.geldig_vanaf), "geldig_tot": _date(x.geldig_tot),
                                        "formule": x.formula_text, "indien": x.condition_text, "lid": x.lid}
                                       for x in r.versions]}
                          for r in article.rules.values()]
        data["invoer"] = [{"naam": i.name, "omschrijving": i.omschrijving, "soort": str(i.type),
                           "van_een_persoon": i.of_person} for i in article.inputs.values()]
        data["relaties"] = [{"naam": r.name, "omschrijving": r.omschrijving, "rollen": list(r.roles)}
                            for r in article.relations.values()]
    return data


# --- start-up ------------------------------------------------------------------------------


def _first_existing(*paths: Path) -> Path | None:
    return next((p for p in paths if p.is_file()), None)


def _package_version() -> str:
    try:
        return package_version("regels")
    except PackageNotFoundError:
        return "onbekend (niet geïnstalleerd)"


def serve(rules_dir, host: str = "127.0.0.1", port: int = 8000, time_limit: float = TIME_LIMIT) -> None:
    """Load the rule set, then serve until Ctrl-C. Raises RegelsError if the rule set does not check."""
    import uvicorn

    app = create_app(rules_dir, time_limit=time_limit)
    try:  # said in Dutch here, before uvicorn would say it in its own words
        socket.create_server((host, port)).close()
    except OSError as exc:
        print(f"regels serve: kan niet luisteren op {host}:{port} ({os.strerror(exc.errno) if exc.errno else exc}); is de poort al in gebruik? "
              "kies een andere met --port", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"regels serve: regelset {app.state.rule_set.version_label} uit {rules_dir}, "
          f"op http://{host}:{port}/ (API-documentatie: /docs; stoppen: Ctrl-C)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
