"""The SMS dialogue as a pure state machine: (conversation, text, context) -> outcome.

One short question at a time (what / where / how soon), each skippable; unclear answers
get one clarifying question and then the dialogue moves on, so nobody reaches a dead end.
Keywords work at any point. The service layer applies the effects and sends the replies.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from mutualaid.sms import parsing
from mutualaid.sms.keywords import Command, fold, parse_command

GREETINGS = frozenset({"HI", "HELLO", "HEY", "HOLA", "BUENAS", "BUENOS DIAS", "BUENAS TARDES", "HELP ME",
                       "I NEED HELP", "NEED HELP", "NECESITO AYUDA", "AYUDAME", "PLEASE HELP", "PLEASE"})


@dataclass(frozen=True)
class Conversation:
    """Where the texter is: the question we asked last and what we know so far."""

    step: str = "idle"  # idle | what | where | urgency
    kind: str = "need"  # need | offer
    language: str = "en"
    category: str | None = None
    details: str = ""
    where: str = ""
    where_skipped: bool = False
    urgency: str | None = None
    retries: int = 0
    awaiting_feedback: str | None = None  # the ref we asked "did you get what you needed?" about
    awaiting_reply: str | None = None  # the ref we said we would close "unless you reply"
    awaiting_forget: bool = False  # we asked "reply FORGET YES to be erased"

    def to_dict(self) -> dict:
        """Plain dict, for storing as JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Conversation":
        """Rebuild from stored JSON, ignoring unknown keys."""
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Context:
    """What the service knows that the dialogue needs: opt-out, relay, first contact."""

    opted_out: bool = False
    relay_open: bool = False
    first_contact: bool = False
    default_language: str = "en"  # for a first text that says nothing about its language
    carrier_answers: bool = True  # Twilio itself answers STOP/START/HELP (its default Opt-Out handling)


@dataclass(frozen=True)
class Reply:
    """A reply to send: a template name under templates/sms/ and its parameters."""

    template: str
    params: dict = field(default_factory=dict)


# Effects for the service to carry out.
@dataclass(frozen=True)
class OptOut:
    """Stop every message to this number."""


@dataclass(frozen=True)
class OptIn:
    """Messages may be sent again."""


@dataclass(frozen=True)
class SetLanguage:
    """Remember the texter's language."""

    code: str


@dataclass(frozen=True)
class CarrierAnswered:
    """Twilio answered this keyword itself (we record the answer only where no real Twilio is)."""

    keyword: str  # opt_out | opt_in | help


@dataclass(frozen=True)
class ShowStatus:
    """Reply with the texter's open requests."""


@dataclass(frozen=True)
class ActOnRef:
    """Act on a request by reference (ownership is checked by the service)."""

    action: str  # cancel | done | claim | keep | refer
    ref: str


@dataclass(frozen=True)
class Feedback:
    """The requester's answer to "did you get what you needed?"."""

    ref: str
    satisfied: bool


@dataclass(frozen=True)
class KeepOpen:
    """The requester answered "we will close it unless you reply": it stays open."""

    ref: str


@dataclass(frozen=True)
class SaveDraft:
    """Keep the half-finished request so nothing is lost if the texter stops answering."""

    conversation: Conversation


@dataclass(frozen=True)
class Submit:
    """The request (or offer) is complete: open it and tell the texter its reference."""

    conversation: Conversation


@dataclass(frozen=True)
class RelayText:
    """Pass this text on to the other side of an active claim."""

    text: str


@dataclass(frozen=True)
class Forget:
    """Erase the texter everywhere (they confirmed), after telling them it is done."""


@dataclass(frozen=True)
class Outcome:
    """The new conversation state, the effects to apply and the replies to send."""

    conversation: Conversation
    effects: tuple = ()
    replies: tuple[Reply, ...] = ()


def receive(conv: Conversation, text: str, ctx: Context = Context()) -> Outcome:
    """Handle one inbound text."""
    if ctx.first_contact:
        conv = replace(conv, language=parsing.guess_language(text) or ctx.default_language)
    command = parse_command(text)
    if command is not None and not _plain_yes(command, ctx):
        return _command(conv, command, ctx)
    if ctx.opted_out:
        # Carriers block our replies to opted-out numbers; keep the text for coordinators only.
        return Outcome(conv)
    # The chase's questions come after any dialogue left half-way, so they are answered first; the
    # half-way dialogue keeps its place for the next text.
    if conv.awaiting_reply:
        return Outcome(replace(conv, awaiting_reply=None), (KeepOpen(conv.awaiting_reply),))
    if conv.awaiting_feedback:
        answer = _yes_no(text)
        cleared = replace(conv, awaiting_feedback=None)
        if answer is not None:
            return Outcome(cleared, (Feedback(conv.awaiting_feedback, answer),))
        conv = cleared
    if conv.step == "idle":
        if ctx.relay_open:
            return Outcome(conv, (RelayText(text),))
        language = conv.language
        if not ctx.first_contact and parsing.guess_language(text) == "es":
            language = "es"
        return _start(Conversation(language=language), text)
    return _answer(conv, text)


def _plain_yes(command: Command, ctx: Context) -> bool:
    """A bare YES opts back in only someone who had opted out; from anyone else it is an answer."""
    return command.name == "opt_in" and command.rest == "YES" and not ctx.opted_out


def _command(conv: Conversation, command: Command, ctx: Context) -> Outcome:
    """Keywords work at any point of the dialogue and keep its state.

    The standard words Twilio answers itself (STOP, START, HELP...) get no second answer from
    us while it does (`ctx.carrier_answers`); our own words (PARAR, BAJA, AYUDA...) always do.
    """
    by_carrier = command.carrier_handled and ctx.carrier_answers
    carrier = (CarrierAnswered(command.name),) if by_carrier else ()
    if command.name == "opt_out":
        # A number Twilio already blocks gets nothing from it, nor from us.
        carrier = () if ctx.opted_out else carrier
        return Outcome(conv, (OptOut(), *carrier), () if by_carrier else (Reply("opted_out"),))
    if command.name == "opt_in":
        return Outcome(conv, (OptIn(), *carrier), () if by_carrier else (Reply("opted_in"),))
    if ctx.opted_out:
        return Outcome(conv)
    if command.name == "help":
        return Outcome(conv, carrier, () if by_carrier else (Reply("help"),))
    if command.name == "forget":
        # Two steps: FORGET asks; only FORGET YES after it erases (and nothing is kept of the dialogue).
        if command.rest == "confirmed" and conv.awaiting_forget:
            return Outcome(Conversation(language=conv.language), (Forget(),))
        return Outcome(replace(conv, awaiting_forget=True), (), (Reply("forget_confirm"),))
    if command.name == "status":
        return Outcome(conv, (ShowStatus(),))
    if command.name == "lang":
        code = command.rest or ("es" if conv.language == "en" else "en")
        return Outcome(replace(conv, language=code), (SetLanguage(code),), (Reply("language_set"),))
    if command.name in ("cancel", "done", "claim", "keep", "refer"):
        return Outcome(conv, (ActOnRef(command.name, command.ref),))
    if command.name == "skip":
        if conv.step == "idle":
            return Outcome(conv, (), (Reply("nothing_to_skip"),))
        return _advance(conv, skipped=conv.step)
    if command.name == "offer":
        fresh = Conversation(kind="offer", language=conv.language)
        return _start(fresh, command.rest) if command.rest else _ask(replace(fresh, step="what"))
    if command.name == "new":
        fresh = Conversation(language=conv.language)
        return _start(fresh, command.rest) if command.rest else _ask(replace(fresh, step="what"))
    return Outcome(conv)


def _yes_no(text: str) -> bool | None:
    """1/yes/si -> True, 2/no -> False, anything else None."""
    word = fold(text).strip().rstrip(".!")
    if word in {"1", "YES", "Y", "SI", "S", "YEP", "GOT IT"}:
        return True
    if word in {"2", "NO", "N", "NOPE", "NOT YET", "TODAVIA NO"}:
        return False
    return None


def _meaningful(text: str) -> bool:
    """Whether the text says what is needed (more than a greeting or a bare postcode)."""
    without_places = text
    for match in parsing.find_postcodes(text):
        without_places = without_places.replace(text[match.span[0]:match.span[1]], " ")
    folded = " ".join(fold(without_places).replace(",", " ").replace(".", " ").replace("!", " ").split())
    return parsing.has_words(without_places) and folded not in GREETINGS


def _start(conv: Conversation, text: str) -> Outcome:
    """Read everything we can from a first message, then ask for what is missing."""
    text = text.strip()
    if _meaningful(text):
        conv = replace(conv, details=text, category=parsing.find_category(text) or "other")
    where = parsing.find_where(text)
    if where:
        conv = replace(conv, where=where)
    if conv.kind == "need" and (urgency := parsing.find_urgency(text)):
        conv = replace(conv, urgency=urgency)
    if not where and parsing.names_several_places(text):
        return _ask(replace(conv, step="where", retries=1), several=True)
    return _advance(conv)


def _answer(conv: Conversation, text: str) -> Outcome:
    """An answer to the question asked last; whatever else it says is kept too, and not asked again."""
    text = text.strip()
    gathered, given = gather(conv, text)
    if conv.step == "what":
        if not _meaningful(text):
            return _ask(gathered) if given else _reask(conv)
        details = f"{conv.details}\n{text}".strip() if conv.details else text
        return _advance(replace(gathered, details=details, category=gathered.category or "other"))
    if conv.step == "where":
        if "where" in given:
            return _advance(gathered)
        if given:
            return _ask(gathered)
        if conv.retries >= 1 and text:
            # Still no postcode: keep what they said; a coordinator will place it.
            return _advance(replace(conv, where=text))
        return _reask(conv, several=parsing.names_several_places(text))
    if conv.step == "urgency":
        urgency = parsing.urgency_answer(text)
        if urgency:
            return _advance(replace(gathered, urgency=urgency))
        if given:
            return _ask(gathered)
        if conv.retries >= 1:
            return _advance(replace(conv, urgency="soon"))
        return _reask(conv)
    return _advance(conv)


def gather(conv: Conversation, text: str) -> tuple[Conversation, frozenset[str]]:
    """Keep what a text says about any question not yet answered: the kind of help, the place, how soon.

    Returns the conversation with those answers and the names of the questions they answer
    ("what", "where", "urgency"). A known kind of help replaces a vague "other"; a postcode
    replaces a place we could not read, or a skipped one.
    """
    given = set()
    where = parsing.find_where(text)
    if where and (not conv.where or conv.where_skipped or parsing.find_where(conv.where) is None):
        conv = replace(conv, where=where, where_skipped=False)
        given.add("where")
    category = parsing.find_category(text)
    if category and category != "other" and conv.category in (None, "other"):
        if conv.category == "other" and text not in conv.details:
            conv = replace(conv, details=f"{conv.details}\n{text}".strip())
        conv = replace(conv, category=category)
        given.add("what")
    if conv.kind == "need" and conv.urgency is None and (urgency := parsing.find_urgency(text)):
        conv = replace(conv, urgency=urgency)
        given.add("urgency")
    return conv, frozenset(given)


def _advance(conv: Conversation, skipped: str | None = None) -> Outcome:
    """Ask the next missing question, or submit when nothing is missing."""
    if skipped == "what":
        conv = replace(conv, category=conv.category or "other")
    elif skipped == "where":
        conv = replace(conv, where_skipped=True)
    elif skipped == "urgency":
        conv = replace(conv, urgency=conv.urgency or "soon")
    asked = {"what": conv.category is not None, "where": bool(conv.where) or conv.where_skipped,
             "urgency": conv.urgency is not None}
    order = ("what", "where", "urgency") if conv.kind == "need" else ("what", "where")
    for step in order:
        if not asked[step]:
            return _ask(replace(conv, step=step, retries=0))
    done = replace(conv, step="idle", retries=0)
    return Outcome(Conversation(language=conv.language), (Submit(done),),
                   (Reply("need_received" if conv.kind == "need" else "offer_received"),))


def _ask(conv: Conversation, several: bool = False) -> Outcome:
    """Ask the question for `conv.step`, keeping the draft."""
    template = f"ask_{conv.step}" if conv.kind == "need" or conv.step != "what" else "ask_offer_what"
    if several:
        template = "ask_where_which"
    effects = (SaveDraft(conv),) if conv.kind == "need" and (conv.details or conv.where) else ()
    return Outcome(conv, effects, (Reply(template),))


def _reask(conv: Conversation, several: bool = False) -> Outcome:
    """Ask again, more clearly, once; the next unclear answer moves on."""
    conv = replace(conv, retries=conv.retries + 1)
    template = "ask_where_which" if several else f"ask_{conv.step}_again"
    return Outcome(conv, (), (Reply(template),))
