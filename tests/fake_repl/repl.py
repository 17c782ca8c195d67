"""A fake Lean REPL (leanprover-community/repl) for tests without Lean: standard library only.

It speaks the REPL's protocol as its ``test/*.in`` and ``test/*.expected.out`` show it:
requests are JSON objects separated by a blank line (an extra blank line or invalid JSON
ends the process with exit 1, as the real REPL does); answers are pretty-printed JSON over
several lines, each followed by a blank line. It knows the theorems of
``fake_repl_data.json`` in its working directory (the project)::

    {"headers": ["import TacgenDemo\\n\\nuniverse u", ...],
     "theorems": {"theorem T.x_repl ... := by": [[state_before, tactic, state_after], ...]}}

and answers as the replay environment does: a traced tactic on its ``state_before`` leads
to the next traced ``state_before``, the last one completes the proof; anything else is an
error. A statement followed by `` sorry`` gives one ``sorries`` entry; a statement followed
by indented tactics is checked whole.

Faults, as tactics: ``fake_crash`` (exit 1 with a message on stderr; ``fake_crash 2`` and
other suffixes too, so that a search's distinct candidates can crash twice), ``fake_overflow``
(``Stack overflow detected. Aborting.`` then SIGABRT, as Lean dies of a deep recursion),
``fake_hang`` (never answers), ``fake_orphan`` (kills its ``lake`` and never answers),
``fake_two_goals`` (two goals, ``case left`` and ``case right`` of the state),
``fake_forget`` (the REPL forgets every proof state, as after a restart behind the
client's back; answered as an unknown tactic), ``sorry``/``admit`` (``Incomplete: contains
sorry``), ``fake_bad_elab`` (the REPL's ``invalid_tactic`` trap: no goals, an error
message, ``Incomplete: contains sorry``) and ``fake_unsound`` (reported ``Completed`` step
by step, rejected by the whole-proof check, as repl#44) and ``fake_check_crash`` (reported
``Completed`` step by step; the whole-proof check crashes the process). A statement
holding a ``sorry`` of its own gives two sorries. A header not in ``headers`` gives a
plain ``env`` whose statements then fail (upstream's behaviour), or an error when
``FAKE_REPL_HEADER_ERRORS=1``. ``FAKE_REPL_LOG`` names a file where each process appends
``start PID`` and one line per request, each ending in ``[PID]``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time

NO_GOALS = "no goals"
KNOWN_WORDS = {"intro", "intros", "exact", "apply", "simp", "rw", "omega", "rfl", "cases"}


def key(tactic: str) -> str:
    return " ".join(tactic.split())


def imports(cmd: str) -> str:
    return "\n".join(line for line in cmd.splitlines() if line.startswith("import "))


def log(line: str) -> None:
    path = os.environ.get("FAKE_REPL_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(line.replace("\n", "\\n") + f" [{os.getpid()}]\n")


def pretty(value: object, indent: int = 0, width: int = 80) -> str:
    """Lean's ``Json.pretty`` layout, near enough: one line when it fits, else one member
    a line, aligned under the opening bracket."""
    compact = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    if len(compact) + indent <= width or not isinstance(value, dict | list) or not value:
        return compact
    pad = "\n" + " " * (indent + 1)
    if isinstance(value, list):
        return "[" + ("," + pad).join(pretty(v, indent + 1, width) for v in value) + "]"
    items = []
    for k, v in value.items():
        head = json.dumps(k, ensure_ascii=False) + ":"
        inline = pretty(v, indent + 1 + len(head) + 1, width)
        items.append(head + (" " + inline if "\n" not in inline else pad + pretty(v, indent + 1)))
    return "{" + ("," + pad).join(items) + "}"


def message(severity: str, data: str, line: int = 1) -> dict[str, object]:
    where = {"line": line, "column": 0}
    return {"severity": severity, "pos": where, "endPos": where, "data": data}


class Theorem:
    def __init__(self, statement: str, steps: list[list[str]]) -> None:
        self.statement = statement
        self.root = steps[0][0]
        self.edges: dict[str, dict[str, str]] = {}
        for i, (before, tactic, after) in enumerate(steps):
            nxt = steps[i + 1][0] if i + 1 < len(steps) else after
            self.edges.setdefault(before, {}).setdefault(key(tactic), nxt)
        self.final = (steps[-1][0], key(steps[-1][1]))

    def step(self, state: str, tactic: str) -> str | None:
        """The state after a tactic (``no goals`` when it completes), or None."""
        after = self.edges.get(state, {}).get(key(tactic))
        if after == NO_GOALS and (state, key(tactic)) != self.final:
            return None
        return after

    def proves(self, state: str, text: str) -> bool:
        """Whether the tactics in ``text`` (whitespace collapsed) take ``state`` to the end."""
        if not text:
            return state == NO_GOALS
        if state == NO_GOALS:
            return False
        for tactic in sorted(self.edges.get(state, {}), key=len, reverse=True):
            if text == tactic or text.startswith(tactic + " "):
                after = self.step(state, tactic)
                if after is not None and self.proves(after, text[len(tactic) :].strip()):
                    return True
        return False


class Repl:
    def __init__(self, data: dict[str, object]) -> None:
        self.headers = {imports(h) for h in data["headers"]}  # type: ignore[attr-defined]
        theorems = data["theorems"].items()  # type: ignore[attr-defined]
        self.theorems = {s: Theorem(s, steps) for s, steps in theorems}
        self.envs: dict[int, bool] = {}  # env -> its header imported
        self.states: dict[int, tuple[Theorem, str]] = {}
        self.next_state = 0

    def new_state(self, theorem: Theorem, text: str) -> int:
        self.states[self.next_state] = (theorem, text)
        self.next_state += 1
        return self.next_state - 1

    def command(self, request: dict[str, object]) -> dict[str, object]:
        cmd = str(request["cmd"])
        if "env" not in request:
            header = imports(cmd)
            if header:
                env = len(self.envs)
                self.envs[env] = header in self.headers
                log(f"header ok={self.envs[env]} {cmd}")
                if not self.envs[env] and os.environ.get("FAKE_REPL_HEADER_ERRORS") == "1":
                    return {"messages": [message("error", "unknown module prefix 'Nope'")],
                            "env": env}  # fmt: skip
                return {"env": env}
            self.envs[len(self.envs)] = True
            return self.elaborate(cmd, len(self.envs) - 1)
        env = request["env"]
        if not isinstance(env, int) or env not in self.envs:
            return {"message": "Unknown environment."}
        if not self.envs[env]:
            return {"messages": [message("error", "unknown identifier 'Nat'")], "env": env + 100}
        return self.elaborate(cmd, env)

    def elaborate(self, cmd: str, env: int) -> dict[str, object]:
        new_env = len(self.envs)
        self.envs[new_env] = True
        if cmd.count("sorry") > 1:  # a statement that holds a sorry of its own
            warning = message("warning", "declaration uses `sorry`")
            sorries = [{"proofState": self.new_state(Theorem(cmd, [["⊢ True", "", ""]]), "⊢ True"),
                        "goal": "⊢ True"} for _ in range(2)]  # fmt: skip
            return {"sorries": sorries, "messages": [warning], "env": new_env}
        for statement, theorem in self.theorems.items():
            if cmd.strip() == statement + " sorry":
                log(f"statement {statement}")
                state = self.new_state(theorem, theorem.root)
                warning = message("warning", "declaration uses `sorry`")
                where = {"line": 1, "column": len(statement) + 1}
                end = {"line": 1, "column": len(cmd)}
                sorry = {"proofState": state, "pos": where, "goal": theorem.root, "endPos": end}
                return {"sorries": [sorry], "messages": [warning], "env": new_env}
            if statement + "\n" in cmd:  # after options, universes, opens
                body = key(cmd[cmd.index(statement + "\n") + len(statement) :])
                log(f"check {statement}")
                if "fake_check_crash" in body.split():
                    print("INTERNAL PANIC: crash in the whole check", file=sys.stderr, flush=True)
                    sys.exit(1)
                if "sorry" in body.split() or "admit" in body.split():
                    return {"messages": [message("warning", "declaration uses `sorry`")],
                            "env": new_env}  # fmt: skip
                if theorem.proves(theorem.root, body):
                    return {"env": new_env}
                error = message("error", "fake: the whole proof does not check", 2)
                return {"messages": [error], "env": new_env}
        return {"messages": [message("error", "unknown identifier 'foo'")], "env": new_env}

    def tactic(self, request: dict[str, object]) -> dict[str, object]:
        tactic, number = str(request["tactic"]), request["proofState"]
        log(f"step {number} {tactic}")
        if number not in self.states:
            return {"message": "Unknown proof state."}
        theorem, state = self.states[number]  # type: ignore[index]
        if tactic.startswith("fake_crash"):  # fake_crash, fake_crash 2, ...
            print("INTERNAL PANIC: fake crash", file=sys.stderr, flush=True)
            sys.exit(1)
        if tactic == "fake_overflow":
            print("Stack overflow detected. Aborting.", file=sys.stderr, flush=True)
            os.kill(os.getpid(), signal.SIGABRT)
        if tactic == "fake_orphan":  # lake dies (as if OOM-killed), the REPL hangs on
            os.kill(os.getppid(), signal.SIGKILL)
            while True:
                time.sleep(60)
        if tactic == "fake_hang":
            while True:
                time.sleep(60)
        if tactic == "fake_forget":
            self.states.clear()
            return {"message": "Lean error:\n<input>:1:1: unknown tactic"}
        if tactic in ("sorry", "admit"):
            number = self.new_state(theorem, NO_GOALS)
            return {"proofStatus": "Incomplete: contains sorry", "proofState": number, "goals": []}
        if tactic == "fake_two_goals":
            goals = [f"case left\n{state}", f"case right\n{state}"]
            number = self.new_state(theorem, "\n\n".join(goals))
            status = "Incomplete: open goals remain"
            return {"proofStatus": status, "proofState": number, "goals": goals}
        if tactic in ("fake_unsound", "fake_check_crash"):
            number = self.new_state(theorem, NO_GOALS)
            return {"proofStatus": "Completed", "proofState": number, "goals": []}
        after = theorem.step(state, tactic)
        if after is None:
            return self.failure(theorem, tactic)
        number = self.new_state(theorem, after)
        if after == NO_GOALS:
            return {"proofStatus": "Completed", "proofState": number, "goals": []}
        goals = after.split("\n\n")
        status = "Incomplete: open goals remain"
        return {"proofStatus": status, "proofState": number, "goals": goals}

    def failure(self, theorem: Theorem, tactic: str) -> dict[str, object]:
        words = re.findall(r"[\w']+", tactic)
        if tactic == "fake_bad_elab" or (words and words[0] in KNOWN_WORDS):
            number = self.new_state(theorem, NO_GOALS)
            error = message("error", f"fake: {tactic} does not apply here", 0)
            return {"proofStatus": "Incomplete: contains sorry", "proofState": number,
                    "messages": [error], "goals": []}  # fmt: skip
        return {"message": "Lean error:\n<input>:1:1: unknown tactic"}


def requests():
    """Each request's text; exits 1 (as the real REPL) on an extra blank line."""
    lines: list[str] = []
    for line in sys.stdin:
        if line.strip():
            lines.append(line)
            continue
        if not lines:
            print("fake repl: empty request (an extra blank line)", file=sys.stderr)
            sys.exit(1)
        yield "".join(lines)
        lines = []
    if lines:
        yield "".join(lines)


def main() -> None:
    log(f"start {os.getpid()}")
    with open("fake_repl_data.json", encoding="utf-8") as handle:
        repl = Repl(json.load(handle))
    for text in requests():
        try:
            request = json.loads(text)
        except json.JSONDecodeError as error:
            print(f"fake repl: invalid JSON: {error}", file=sys.stderr)
            sys.exit(1)
        if "cmd" in request:
            response = repl.command(request)
        elif "tactic" in request and "proofState" in request:
            response = repl.tactic(request)
        else:
            print(f"fake repl: unknown request {text!r}", file=sys.stderr)
            sys.exit(1)
        sys.stdout.write(pretty(response) + "\n\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
