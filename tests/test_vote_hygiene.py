"""Vote hygiene: identity leaks, daily caps, the voters' sequential test, and every place
exclusions must be honoured (ratings, leaderboard, CLI on exports, votes-report)."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from ragarena import cli
from ragarena.arena import hygiene, voters
from ragarena.arena.votes import DAY_S, VoteStore
from ragarena.core.battles import read_battles, write_battles
from ragarena.core.errors import UserError
from ragarena.core.refusals import VoteRejected
from ragarena.leaderboard import build as lb
from ragarena.scoring.arena_ratings import compute_ratings


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def serve(
    store: VoteStore,
    session: str = "s1",
    answer_a: str = "A las 7:00.",
    answer_b: str = "A las 8:00.",
    model_a: str = "extractive",
    model_b: str = "extractive-long",
    **extra,
) -> str:
    return store.record_battle(
        session_hash=session,
        question="¿A qué hora abre?",
        model_a=model_a,
        model_b=model_b,
        answer_a=answer_a,
        answer_b=answer_b,
        **extra,
    )


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(db_target, clock):
    s = VoteStore(db_target(), votes_per_minute=10_000, votes_per_day=5, clock=clock)
    yield s
    s.close()


# --- rule 1: answers that name their model ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Soy ChatGPT y abro a las 7.",
        "Como modelo de lenguaje desarrollado por OpenAI, no puedo saberlo.",
        "Respuesta de StableLM: 21 días.",
        "Según GPT-4, 21 días.",
        "Anthropic dice que…",
        "gpt 3.5 responde",
        "Como un modelo de lenguaje de Stability AI…",
        "He sido entrenado por Google.",
        "Soy Claude.",
        "Llama 3 opina que sí.",
        "COMO INTELIGENCIA ARTIFICIAL CREADA por X",
        "Soy una IA desarrollada por Meta.",
    ],
)
def test_identity_leaks_are_found(text):
    assert hygiene.identity_leak(text)


@pytest.mark.parametrize(
    "text",
    [
        "La red se llama Biblio-Valdemora.",
        "Llama al 910 555 210.",
        "Los libros se prestan durante 21 días.",
        "El viento de levante y el mistral.",
        "Egipto",
        "La documentación no incluye información sobre eso.",
        "",
        None,
    ],
)
def test_ordinary_answers_do_not_leak(text):
    assert hygiene.identity_leak(text) is None


def test_a_vote_on_a_round_that_names_a_model_is_kept_but_excluded_everywhere(store, tmp_path):
    leaky = serve(store, answer_b="Soy ChatGPT, de OpenAI: abre a las 8:00.")
    battle = store.vote(leaky, "s1", "model_b")
    assert battle["winner"] == "model_b" and battle["excluded"] is True
    assert battle["excluded_reason"].startswith("identidad: la respuesta B")
    # An earlier turn of the round counts too: the voter saw it.
    earlier = serve(
        store,
        conversation=[{"question": "hola", "answer_a": "Como modelo de lenguaje de OpenAI…", "answer_b": "Hola."}],
    )
    assert hygiene.category(store.vote(earlier, "s1", "tie")["excluded_reason"]) == hygiene.IDENTITY
    clean = serve(store)
    assert "excluded" not in store.vote(clean, "s1", "model_a")
    exported = store.export_battles()
    assert store.count_votes() == 3 and len(exported) == 3  # kept, never deleted
    table = compute_ratings(exported, bootstrap=0)
    assert table.attrs["excluded"] == 2 and table.attrs["n_battles"] == 1
    board = lb.build_leaderboard(exported, bootstrap=0)
    assert board.n_votes == 1 and board.excluded == 2


# --- daily cap ------------------------------------------------------------------------------


def test_daily_cap_per_session_rolls_over_after_24_hours(store, clock):
    for _ in range(5):
        store.vote(serve(store), "s1", "model_a")
        clock.now += 60
    battle = serve(store)
    with pytest.raises(VoteRejected, match="máximo de 5 votos en 24 horas en esta sesión"):
        store.vote(battle, "s1", "model_a")
    with pytest.raises(VoteRejected, match="máximo de 5"):
        store.check_daily_cap("s1")
    store.check_daily_cap("s2")  # another session is not affected
    clock.now += DAY_S - 4 * 60  # the first vote leaves the window
    assert store.vote(battle, "s1", "model_a")["winner"] == "model_a"


def test_daily_cap_per_ip_across_sessions_and_per_user_when_signed_in(store):
    for n in range(5):
        session = f"tab-{n}"  # a new tab each time: the IP still adds up
        store.vote(serve(store, session), session, "model_b", ip_hash="ip-1")
    with pytest.raises(VoteRejected, match="desde esta conexión"):
        store.vote(serve(store, "tab-new"), "tab-new", "model_b", ip_hash="ip-1")
    store.vote(serve(store, "tab-new"), "tab-new", "model_b", ip_hash="ip-2")  # another connection
    # Signed in, the cap follows the user, not the shared connection.
    for n in range(5):
        store.vote(serve(store, f"user-tab-{n}"), f"user-tab-{n}", "tie", ip_hash="ip-1", user_hash="user-1")
    with pytest.raises(VoteRejected, match="con tu cuenta"):
        store.vote(serve(store, "user-tab-x"), "user-tab-x", "tie", ip_hash="ip-9", user_hash="user-1")
    stored = store.export_battles()
    assert {b.get("user_hash") for b in stored} == {None, "user-1"}
    assert all("ip_hash" not in b for b in stored)  # the IP digest is never exported


def test_daily_cap_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("RAGARENA_VOTES_PER_DAY", "7")
    s = VoteStore(tmp_path / "a.db")
    assert s.votes_per_day == 7
    s.close()
    monkeypatch.setenv("RAGARENA_VOTES_PER_DAY", "muchos")
    with pytest.raises(UserError, match="RAGARENA_VOTES_PER_DAY"):
        VoteStore(tmp_path / "b.db")


def test_voter_digests_and_client_address(monkeypatch, tmp_path):
    monkeypatch.setattr(voters, "_SALT", None)
    monkeypatch.setenv("RAGARENA_HASH_SALT", "sal-1")
    request = SimpleNamespace(
        client=SimpleNamespace(host="10.0.0.7"), headers={"x-forwarded-for": "198.51.100.4, 203.0.113.9"}
    )
    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.delenv("RAGARENA_TRUST_PROXY", raising=False)
    assert voters.client_ip(request) == "10.0.0.7"  # a forgeable header is ignored off a Space
    monkeypatch.setenv("SPACE_ID", "org/rag-arena")
    assert voters.client_ip(request) == "203.0.113.9"  # on a Space: the entry its proxy appended
    first = voters.ip_hash(request)
    assert first and "203" not in first and first == voters.ip_hash(request)
    monkeypatch.setattr(voters, "_SALT", None)
    monkeypatch.setenv("RAGARENA_HASH_SALT", "sal-2")
    assert voters.ip_hash(request) != first  # salted
    assert voters.user_hash(None) is None
    assert voters.user_hash({"sub": "123", "preferred_username": "ana"}) == voters.digest("hf-user", "123")
    # Without a configured salt, one is created once in the data folder and reused.
    monkeypatch.setattr(voters, "_SALT", None)
    monkeypatch.delenv("RAGARENA_HASH_SALT")
    monkeypatch.setenv("RAGARENA_DATA_DIR", str(tmp_path))
    salt = voters.salt()
    assert (tmp_path / "hash-salt").read_text().strip().encode() == salt
    assert oct((tmp_path / "hash-salt").stat().st_mode & 0o777) == "0o600"
    monkeypatch.setattr(voters, "_SALT", None)
    assert voters.salt() == salt


def test_login_button_only_with_oauth(monkeypatch):
    monkeypatch.delenv("OAUTH_CLIENT_ID", raising=False)
    monkeypatch.delenv("RAGARENA_LOGIN", raising=False)
    assert not voters.login_enabled()
    monkeypatch.setenv("OAUTH_CLIENT_ID", "abc")
    monkeypatch.delenv("SYSTEM", raising=False)
    assert not voters.login_enabled()  # off a Space Gradio's mock would need a token and the network
    monkeypatch.setenv("SYSTEM", "spaces")
    assert voters.login_enabled()
    monkeypatch.setenv("RAGARENA_LOGIN", "0")
    assert not voters.login_enabled()


def _endpoint(demo, api_name):
    [fn] = [f.fn for f in demo.fns.values() if f.api_name == api_name]
    return fn


def _by_elem_id(demo, elem_id):
    [block] = [b for b in demo.blocks.values() if getattr(b, "elem_id", None) == elem_id]
    return block


def test_signed_in_votes_carry_the_user_digest_and_the_cap_follows_the_user(monkeypatch, fixture_engine, tmp_path):
    """As on a Space with ``hf_oauth: true``: a login button, and the handlers get the user's profile."""
    import gradio.oauth

    from ragarena.ui.app import build_app
    from ragarena.ui.context import AppContext

    monkeypatch.setenv("SYSTEM", "spaces")
    monkeypatch.setenv("SPACE_ID", "org/rag-arena")
    monkeypatch.setenv("OAUTH_CLIENT_ID", "id")
    monkeypatch.setenv("RAGARENA_HASH_SALT", "sal")
    monkeypatch.setattr(voters, "_SALT", None)
    for name, value in (
        ("OAUTH_CLIENT_ID", "id"),
        ("OAUTH_CLIENT_SECRET", "secreto"),
        ("OAUTH_SCOPES", "openid"),
        ("OPENID_PROVIDER_URL", "https://huggingface.co"),
    ):
        monkeypatch.setattr(gradio.oauth, name, value)
    store = VoteStore(tmp_path / "arena.db", votes_per_minute=100, votes_per_day=2)
    demo = build_app(AppContext(engine=fixture_engine, extras={"store": store}))
    assert any(c.get("props", {}).get("elem_id") == "arena-login" for c in demo.config["components"])
    ask, vote = _endpoint(demo, "arena_ask"), _endpoint(demo, "arena_vote")
    # The handlers return their updates keyed by component: the status line and the round's State.
    status_box = _by_elem_id(demo, "arena-status")
    [ask_fn] = [f for f in demo.fns.values() if f.api_name == "arena_ask"]
    round_state = ask_fn.inputs[4]
    profile = {"sub": "42", "preferred_username": "usuaria-secreta", "name": "Usuaria Secreta"}

    def request(session):
        return SimpleNamespace(
            session_hash=session,
            client=SimpleNamespace(host="10.1.1.1"),
            headers={"x-forwarded-for": f"198.51.100.{len(session)}"},
        )

    for session in ("pestaña-1", "pestaña-22"):  # two tabs, two addresses: one user
        state = list(
            ask("¿A qué hora abre la piscina entre semana?", "Anónimo", None, None, None, request(session), profile)
        )[-1][round_state]
        status = vote("model_a", state, request(session), profile)[status_box]
        assert status.startswith("✅"), status
    refused = list(ask("¿Es obligatorio el gorro?", "Anónimo", None, None, None, request("pestaña-333"), profile))
    assert "con tu cuenta" in refused[-1][status_box]  # the status: no round is served over the cap
    battles = store.export_battles()
    assert {b["user_hash"] for b in battles} == {voters.digest("hf-user", "42")}
    assert "usuaria-secreta" not in str(battles) and "198.51.100" not in str(battles)
    # Not signed in, the same tab is capped per session and address only.
    state = list(ask("¿Es obligatorio el gorro?", "Anónimo", None, None, None, request("anon"), None))[-1][round_state]
    assert vote("tie", state, request("anon"), None)[status_box].startswith("✅")
    store.close()


# --- rule 2: the voters' sequential test -----------------------------------------------------

STRENGTHS = {"alfa": 1150, "beta": 1000, "gamma": 850}


def arena_log(honest: int = 60, votes_each: int = 40, seed: int = 0, cheats: dict | None = None) -> list[dict]:
    """Honest voters following Bradley-Terry with STRENGTHS, plus cheating voters: name -> kind."""
    rng = np.random.default_rng(seed)
    models = list(STRENGTHS)
    battles, t = [], 1_700_000_000.0
    voters_ = [(f"honesto-{n}", "honest") for n in range(honest)] + list((cheats or {}).items())
    for k in range(votes_each):
        for voter, kind in voters_:
            i, j = rng.choice(3, size=2, replace=False)
            a, b = models[i], models[j]
            p = 1 / (1 + 10 ** ((STRENGTHS[b] - STRENGTHS[a]) / 400))
            if kind == "honest":
                choose_a = rng.random() < p
            elif kind == "coin":
                choose_a = rng.random() < 0.5
            elif kind == "contrarian":
                choose_a = p < 0.5
            else:  # "always-a"
                choose_a = True
            t += 1
            battles.append(
                {
                    "model_a": a,
                    "model_b": b,
                    "winner": "model_a" if choose_a else "model_b",
                    "session_hash": voter,
                    "tstamp": t,
                    "battle_id": f"{voter}-{k}",
                    "mode": "anonymous",
                }
            )
    return battles


def test_sequential_test_boundaries_and_decisions():
    lower, upper = hygiene.boundaries()
    assert lower == pytest.approx(math.log(0.1 / 0.999)) and upper == pytest.approx(math.log(0.9 / 0.001))
    p = 1 / (1 + 10 ** (-300 / 400))  # the favourite's chance, 300 points ahead
    _, flagged, _ = hygiene.sequential_test([1 - p] * 40)  # always the underdog
    assert flagged is not None and flagged <= 15
    _, flagged, _ = hygiene.sequential_test([p] * 200)  # always the favourite: plausible
    assert flagged is None
    _, flagged, _ = hygiene.sequential_test([0.5] * 500)  # equal models: nothing to learn
    assert flagged is None
    # The floor lets a voter who turns later still be caught: 100 plausible votes, then contrarian.
    _statistic, flagged, _ = hygiene.sequential_test([p] * 100 + [1 - p] * 30)
    assert flagged is not None and flagged <= 100 + 20


def test_screen_flags_implausible_voters_and_few_honest_ones():
    cheats = {"contrario": "contrarian", "siempre-a": "always-a", "moneda": "coin"}
    battles = arena_log(honest=150, votes_each=60, cheats=cheats)
    result = hygiene.screen(battles)
    flagged = {v.voter for v in result.flagged}
    assert {"contrario", "siempre-a"} <= flagged
    honest_flagged = [v for v in flagged if v.startswith("honesto")]
    assert len(honest_flagged) <= 2  # at most ~1 % of 150 honest voters
    assert all(key.startswith(tuple(flagged)) for key in result.exclusions)
    contrarian = [b for b in battles if b["session_hash"] == "contrario"]
    assert all(result.exclusions[b["battle_id"]].startswith(hygiene.IMPLAUSIBLE) for b in contrarian)
    assert "excluded" not in battles[0]  # screen changes nothing
    print(f"\nseñalados: {sorted(flagged)}")


def test_flags_are_saved_sticky_and_never_delete_a_vote(store, tmp_path):
    store.votes_per_day = 10_000
    log = arena_log(honest=20, votes_each=30, cheats={"contrario": "contrarian"})
    for battle in log:
        battle.pop("battle_id")
    store.import_battles(log)
    before = store.count_votes()
    battles, result = hygiene.screen_store(store)
    assert "contrario" in {v.voter for v in result.flagged}
    assert store.count_votes() == before == len(battles)
    stored = store.export_battles()
    marked = [b for b in stored if hygiene.category(b.get("excluded_reason")) == hygiene.IMPLAUSIBLE]
    assert marked and {b["session_hash"] for b in marked} == {"contrario"}
    assert len(marked) == 30
    # A later vote of the flagged voter is excluded too (sticky), and nothing is flagged twice.
    store.import_battles(
        [
            {
                "model_a": "alfa",
                "model_b": "gamma",
                "winner": "model_a",
                "session_hash": "contrario",
                "tstamp": 1_700_050_000.0,
                "mode": "anonymous",
            }
        ]
    )
    _, again = hygiene.screen_store(store)
    assert list(again.exclusions.values()) == [
        f"{hygiene.IMPLAUSIBLE}: votante ya señalado por la prueba secuencial (SPRT)"
    ]
    _, third = hygiene.screen_store(store)
    assert third.exclusions == {}
    # The ratings leave the flagged voter out.
    table = compute_ratings(store.export_battles(), bootstrap=0)
    assert table.attrs["excluded"] == 31


# --- exclusions honoured by the CLI ----------------------------------------------------------


def test_cli_ratings_honours_excluded_reason_alone(tmp_path, capsys):
    battles = [{"model_a": "x", "model_b": "y", "winner": "model_a", "answer_a": "uno", "answer_b": "dos"}] * 6
    battles += [
        {
            "model_a": "x",
            "model_b": "y",
            "winner": "model_b",
            "excluded_reason": "identidad: …",
            "answer_a": "uno",
            "answer_b": "dos",
        }
    ] * 30
    path = tmp_path / "votos.jsonl"
    write_battles(path, battles)
    assert cli.main(["ratings", str(path), "--json", "--bootstrap", "20", "--style"]) == 0
    rows = {r["model"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["x"]["rating"] > rows["y"]["rating"]  # the 30 excluded votes for y do not count
    assert rows["x"]["battles"] == 6 and rows["x"]["style_rank"] == 1
    assert cli.main(["ratings", str(path), "--bootstrap", "0"]) == 0
    assert "30 combates excluidos no cuentan" in capsys.readouterr().out


def test_votes_report_and_export(tmp_path, monkeypatch, capsys):
    db = tmp_path / "arena.db"
    monkeypatch.setenv("RAGARENA_DB", str(db))
    store = VoteStore(db, votes_per_minute=10_000, votes_per_day=10_000)
    store.vote(serve(store, answer_a="Soy ChatGPT."), "s1", "model_a")
    log = arena_log(honest=10, votes_each=30, cheats={"contrario": "contrarian"})
    for battle in log:
        battle.pop("battle_id")
    store.import_battles(log + [{**log[0], "mode": "named", "session_hash": "nombrado"}])
    store.close()

    assert cli.main(["votes-report"]) == 0
    out = capsys.readouterr().out
    assert "identidad: 1" in out
    assert "votante inverosímil: 30 (30 según la prueba de ahora, aún sin guardar" in out
    assert "1 votos se emitieron con los nombres a la vista" in out
    assert "votante contrario" in out and "[pendiente]" in out
    assert "identidad: la respuesta A revela el modelo o su proveedor («chatgpt»)" in out

    out_file = tmp_path / "export.jsonl"
    assert cli.main(["export-votes", str(out_file)]) == 0
    assert "30 votos marcados ahora como excluidos" in capsys.readouterr().out
    exported = read_battles(out_file)
    assert sum(1 for b in exported if b.get("excluded")) == 31
    assert all(b["excluded_reason"] for b in exported if b.get("excluded"))

    assert cli.main(["votes-report", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["by_reason"] == {"identidad": 1, "votante inverosímil": 30} and report["pending_by_reason"] == {}
    assert [v["voter"] for v in report["flagged_voters"]] == ["contrario"]
    # The named-mode vote does not count either: the report counts what the leaderboard counts.
    assert report["counted"] == len(exported) - 31 - 1 and report["named_mode"] == 1
    assert report["counted"] == lb.build_leaderboard(exported, bootstrap=0).n_votes

    # On an export file: the same report, read-only.
    assert cli.main(["votes-report", "--file", str(out_file)]) == 0
    assert "excluidos 31" in capsys.readouterr().out


def test_periodic_screening_runs_at_once_then_at_most_once_per_period(store):
    """Independent of uptime: the clock starts at 0.0, as `time.monotonic()` does on a machine
    booted a moment ago, and the first poke still screens at once."""
    import time

    store.votes_per_day = 10_000
    log = arena_log(honest=10, votes_each=30, cheats={"contrario": "contrarian"})
    for battle in log:
        battle.pop("battle_id")
    store.import_battles(log)
    now = [0.0]
    periodic = hygiene.PeriodicScreening(store, every=3600, clock=lambda: now[0])

    def wait_until_done():
        deadline = time.time() + 30
        while periodic._running and time.time() < deadline:
            time.sleep(0.05)

    assert periodic.poke() is True  # just after boot: runs at once
    assert periodic.poke() is False  # running, or ran within the period
    wait_until_done()
    flagged = [b for b in store.export_battles() if hygiene.category(b.get("excluded_reason")) == hygiene.IMPLAUSIBLE]
    assert {b["session_hash"] for b in flagged} == {"contrario"}
    now[0] = 3599.0
    assert periodic.poke() is False  # within the period
    now[0] = 3600.0
    assert periodic.poke() is True  # a period later it screens again
    wait_until_done()
