"""Satisfaction surveys (满意度调查): the pure rules, no Frappe.

- **Questions** are plain `Question` values: a key (stable within a template), a type, options, a dimension, a
  weight, required or not, and an optional condition on an *earlier* question (shown only when that
  question's answer matches). `visible_keys()` walks the questions in order; a question whose condition
  refers to a hidden or unanswered question is hidden too.
- **Validation** (`clean_answers`) drops answers to hidden questions (the page hides them; the server
  ignores what a forged form sends for them), refuses values that are not of the question's type and
  refuses a shown required question left empty.
- **Scores** (`score`): each scored answer becomes 0–100 (rating 1–5 → 0/25/50/75/100, NPS 0–10 → 0…100,
  yes/no → 100/0); choices and text are not scored. A dimension's score is the weighted mean of its
  answered, shown questions; the overall score the weighted mean of all of them. Skipped optional and
  hidden questions are not answers: they never count as zero. CSAT counts rating answers of 4–5 among
  rating answers; the response's NPS class comes from its NPS answer (9–10 promoter, 7–8 passive, 0–6
  detractor). Aggregates over many responses (`csat`, `nps`) take the counts the database sums.
- **Audience** (`select_audience`): one person per household (the primary contact first, then owners, then
  whoever lives there) or every person; people surveyed within the exclusion window are left out (a
  household falls back to another occupant).
- **Tokens** (LimeSurvey's model): a random secret signed with the site's key (`make_token`), only its
  hash stored (`token_hash`), uses left and a validity window (`token_state`)."""

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

RATING = "Rating 1-5"
NPS = "NPS 0-10"
SINGLE = "Single Choice"
MULTIPLE = "Multiple Choice"
YES_NO = "Yes/No"
TEXT = "Free Text"
TYPES = (RATING, NPS, SINGLE, MULTIPLE, YES_NO, TEXT)
SCORED = (RATING, NPS, YES_NO)
OPERATORS = ("=", "!=", "<=", ">=", "in")
YES, NO = "Yes", "No"

PROMOTER, PASSIVE, DETRACTOR = "Promoter", "Passive", "Detractor"
SATISFIED, NEUTRAL, DISSATISFIED = "Satisfied", "Neutral", "Dissatisfied"

# Message templates (English, translated by the Frappe side); each names the field first.
QUESTION_KEY_MISSING = "Questions, row {0}: give the question a key."
QUESTION_KEY_TWICE = "Questions, rows {0} and {1}: the key {2} is used twice."
QUESTION_TYPE = "Questions, row {0}: {1} is not a question type."
QUESTION_OPTIONS = "Questions, row {0}: a choice question needs at least two options, one per line."
QUESTION_WEIGHT = "Questions, row {0}: the weight must be greater than 0."
QUESTION_TEXT = "Questions, row {0}: give the question's wording in Chinese or English."
CONDITION_EARLIER = "Questions, row {0}: the condition must refer to an earlier question ({1} is not one)."
CONDITION_OPERATOR = "Questions, row {0}: {1} is not a condition operator."
NO_QUESTIONS = "Questions: a survey needs at least one question."
ANSWER_REQUIRED = "{0}: please answer this question."
ANSWER_INVALID = "{0}: {1} is not a valid answer."
MESSAGES = (
	QUESTION_KEY_MISSING,
	QUESTION_KEY_TWICE,
	QUESTION_TYPE,
	QUESTION_OPTIONS,
	QUESTION_WEIGHT,
	QUESTION_TEXT,
	CONDITION_EARLIER,
	CONDITION_OPERATOR,
	NO_QUESTIONS,
	ANSWER_REQUIRED,
	ANSWER_INVALID,
)


class SurveyError(ValueError):
	"""A rule of a survey is broken: `message` is a template of MESSAGES, `params` fill it."""

	def __init__(self, message: str, *params, key: str | None = None):
		super().__init__(message.format(*params))
		self.message = message
		self.params = params
		self.key = key


@dataclass(frozen=True)
class Question:
	key: str
	type: str
	weight: float = 1.0
	required: bool = False
	dimension: str | None = None
	options: tuple[str, ...] = ()
	condition_key: str | None = None
	condition_operator: str | None = None
	condition_value: str | None = None
	label: str = ""

	@property
	def has_condition(self) -> bool:
		return bool(self.condition_key)


def options_of(text: str | None) -> tuple[str, ...]:
	"""Options are written one per line; blank lines and surrounding spaces do not count."""
	return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


# ------------------------------------------------------------------ templates
def check_questions(questions: Sequence[Question], texts: Sequence[str] | None = None) -> None:
	"""A template's questions are well formed (raises SurveyError for the first problem)."""
	if not questions:
		raise SurveyError(NO_QUESTIONS)
	seen: dict[str, int] = {}
	for row, question in enumerate(questions, start=1):
		if not (question.key or "").strip():
			raise SurveyError(QUESTION_KEY_MISSING, row)
		if question.key in seen:
			raise SurveyError(QUESTION_KEY_TWICE, seen[question.key], row, question.key)
		if question.type not in TYPES:
			raise SurveyError(QUESTION_TYPE, row, question.type)
		if question.type in (SINGLE, MULTIPLE) and len(set(question.options)) < 2:
			raise SurveyError(QUESTION_OPTIONS, row)
		if not question.weight or question.weight <= 0:
			raise SurveyError(QUESTION_WEIGHT, row)
		if texts is not None and not (texts[row - 1] or "").strip():
			raise SurveyError(QUESTION_TEXT, row)
		if question.has_condition:
			if question.condition_key not in seen:
				raise SurveyError(CONDITION_EARLIER, row, question.condition_key)
			if question.condition_operator not in OPERATORS:
				raise SurveyError(CONDITION_OPERATOR, row, question.condition_operator)
		seen[question.key] = row


# ------------------------------------------------------------------ conditions
def _number(value) -> float | None:
	try:
		return float(value)
	except (TypeError, ValueError):
		return None


def condition_holds(operator: str | None, expected: str | None, answer) -> bool:
	"""Does an earlier `answer` (a string, or a list for multiple choice) satisfy the condition?"""
	if answer is None or answer == "" or answer == []:
		return False
	expected = (expected or "").strip()
	values = [str(v) for v in answer] if isinstance(answer, list | tuple) else [str(answer)]
	if operator == "=":
		return expected in values
	if operator == "!=":
		return expected not in values
	if operator == "in":
		wanted = {part.strip() for part in expected.split(",") if part.strip()}
		return bool(wanted & set(values))
	if operator in ("<=", ">="):
		got, limit = _number(values[0]), _number(expected)
		if got is None or limit is None:
			return False
		return got <= limit if operator == "<=" else got >= limit
	return False


def visible_keys(questions: Sequence[Question], answers: Mapping[str, object]) -> set[str]:
	"""The questions shown for these answers, in order: a condition reads an earlier, shown answer."""
	shown: set[str] = set()
	for question in questions:
		if not question.has_condition:
			shown.add(question.key)
			continue
		if question.condition_key in shown and condition_holds(
			question.condition_operator, question.condition_value, answers.get(question.condition_key)
		):
			shown.add(question.key)
	return shown


# ------------------------------------------------------------------ answers
def _empty(value) -> bool:
	return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == ()


def clean_value(question: Question, value):
	"""The answer in its stored form (str, or a list for multiple choice); SurveyError if not valid."""
	label = question.label or question.key
	if question.type == RATING or question.type == NPS:
		top = 5 if question.type == RATING else 10
		bottom = 1 if question.type == RATING else 0
		number = _number(value)
		if number is None or number != int(number) or not bottom <= number <= top:
			raise SurveyError(ANSWER_INVALID, label, value, key=question.key)
		return str(int(number))
	if question.type == YES_NO:
		if str(value) not in (YES, NO):
			raise SurveyError(ANSWER_INVALID, label, value, key=question.key)
		return str(value)
	if question.type == SINGLE:
		if str(value) not in question.options:
			raise SurveyError(ANSWER_INVALID, label, value, key=question.key)
		return str(value)
	if question.type == MULTIPLE:
		picked = [value] if isinstance(value, str) else list(value)
		picked = [str(v) for v in picked if not _empty(v)]
		bad = [v for v in picked if v not in question.options]
		if bad:
			raise SurveyError(ANSWER_INVALID, label, bad[0], key=question.key)
		return [o for o in question.options if o in picked]  # in the template's order, each once
	return str(value).strip()[:2000]


def clean_answers(questions: Sequence[Question], answers: Mapping[str, object]) -> dict[str, object]:
	"""Answers to the shown questions only, validated; required shown questions must be answered."""
	given = {key: value for key, value in answers.items() if not _empty(value)}
	cleaned: dict[str, object] = {}
	for question in questions:
		# visibility is decided on the answers cleaned so far: a condition reads an earlier, valid answer
		if question.key not in visible_keys(questions, cleaned | {question.key: None}):
			continue
		if question.key not in given:
			if question.required:
				raise SurveyError(ANSWER_REQUIRED, question.label or question.key, key=question.key)
			continue
		value = clean_value(question, given[question.key])
		if _empty(value):
			if question.required:
				raise SurveyError(ANSWER_REQUIRED, question.label or question.key, key=question.key)
			continue
		cleaned[question.key] = value
	return cleaned


# ------------------------------------------------------------------ scores
def answer_score(question_type: str, value) -> float | None:
	"""0–100 for a scored answer, None for what is not scored."""
	if _empty(value):
		return None
	if question_type == RATING:
		return (float(value) - 1) * 25.0
	if question_type == NPS:
		return float(value) * 10.0
	if question_type == YES_NO:
		return 100.0 if value == YES else 0.0
	return None


def nps_class(value) -> str | None:
	number = _number(value)
	if number is None:
		return None
	return PROMOTER if number >= 9 else PASSIVE if number >= 7 else DETRACTOR


def response_class(overall: float | None) -> str | None:
	if overall is None:
		return None
	return SATISFIED if overall >= 75 else NEUTRAL if overall >= 50 else DISSATISFIED


@dataclass(frozen=True)
class Scores:
	overall: float | None
	dimensions: dict[str, float] = field(default_factory=dict)
	ratings: int = 0  # rating answers (CSAT's denominator)
	satisfied_ratings: int = 0  # of which 4 or 5
	nps_value: int | None = None
	nps_class: str | None = None
	response_class: str | None = None
	answer_scores: dict[str, float] = field(default_factory=dict)


def _weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
	total = weight_sum = 0.0
	for value, weight in pairs:
		total += value * weight
		weight_sum += weight
	if not weight_sum:
		return None
	return round(min(100.0, max(0.0, total / weight_sum)), 2)


def score(questions: Sequence[Question], answers: Mapping[str, object]) -> Scores:
	"""Scores of one response from its (cleaned) answers. Hidden and unanswered questions are left out."""
	shown = visible_keys(questions, answers)
	per_question: dict[str, float] = {}
	by_dimension: dict[str, list[tuple[float, float]]] = {}
	overall: list[tuple[float, float]] = []
	ratings = satisfied = 0
	nps_value = None
	for question in questions:
		if question.key not in shown:
			continue
		value = answers.get(question.key)
		points = answer_score(question.type, value)
		if points is None:
			continue
		per_question[question.key] = points
		weight = float(question.weight or 1)
		overall.append((points, weight))
		if question.dimension:
			by_dimension.setdefault(question.dimension, []).append((points, weight))
		if question.type == RATING:
			ratings += 1
			satisfied += int(float(value) >= 4)
		if question.type == NPS and nps_value is None:
			nps_value = int(float(value))
	total = _weighted_mean(overall)
	return Scores(
		overall=total,
		dimensions={name: _weighted_mean(pairs) for name, pairs in by_dimension.items()},
		ratings=ratings,
		satisfied_ratings=satisfied,
		nps_value=nps_value,
		nps_class=nps_class(nps_value),
		response_class=response_class(total),
		answer_scores=per_question,
	)


def needs_follow_up(scores: Scores, threshold: float) -> bool:
	"""A low overall score or an NPS detractor opens a follow-up (named responses only: the caller decides)."""
	return (scores.overall is not None and scores.overall < threshold) or scores.nps_class == DETRACTOR


def csat(satisfied_ratings: int, ratings: int) -> float | None:
	"""% of rating answers that are 4 or 5."""
	return round(100.0 * satisfied_ratings / ratings, 1) if ratings else None


def nps(promoters: int, detractors: int, answered: int) -> float | None:
	"""% promoters − % detractors among responses with an NPS answer (−100 … 100)."""
	return round(100.0 * (promoters - detractors) / answered, 1) if answered else None


def rate(part: int, whole: int) -> float | None:
	return round(100.0 * part / whole, 1) if whole else None


# ------------------------------------------------------------------ audience
@dataclass(frozen=True)
class Occupant:
	person: str
	unit: str
	relation: str = "Owner"
	primary_contact: bool = False
	resident_type: str | None = None
	tags: tuple[str, ...] = ()


RELATION_ORDER = {"Owner": 0, "Co-owner": 1, "Tenant": 2, "Family Member": 3}


def select_audience(
	occupants: Iterable[Occupant],
	per_household: bool,
	recently_surveyed: set[str] = frozenset(),
	resident_types: set[str] | None = None,
	tags: set[str] | None = None,
) -> list[tuple[str, str]]:
	"""(person, unit) pairs to invite, in unit order. Filters: resident types and tags (any of them);
	people surveyed within the exclusion window are skipped. One per household: the primary contact,
	else an owner, else the first occupant left; a person living in two units is invited once."""
	by_unit: dict[str, list[Occupant]] = {}
	for occupant in occupants:
		if occupant.person in recently_surveyed:
			continue
		if resident_types and occupant.resident_type not in resident_types:
			continue
		if tags and not tags & set(occupant.tags):
			continue
		by_unit.setdefault(occupant.unit, []).append(occupant)
	chosen: list[tuple[str, str]] = []
	invited: set[str] = set()
	for unit in sorted(by_unit):
		people = sorted(
			by_unit[unit],
			key=lambda o: (not o.primary_contact, RELATION_ORDER.get(o.relation, 9), o.person),
		)
		for occupant in people:
			if occupant.person in invited:
				continue
			chosen.append((occupant.person, unit))
			invited.add(occupant.person)
			if per_household:
				break
	return chosen


def respondent_key(
	person: str | None, unit: str | None, per_household: bool, reference: str | None = None
) -> str:
	"""What makes an answer unique within a campaign: the household, the person, or the served document."""
	if reference:
		return f"ref:{reference}"
	return f"unit:{unit}" if per_household and unit else f"person:{person}"


# ------------------------------------------------------------------ tokens
TOKEN_OK, TOKEN_USED, TOKEN_NOT_YET, TOKEN_EXPIRED, TOKEN_FORGED = (
	"ok",
	"used",
	"not yet",
	"expired",
	"forged",
)


def _signature(secret: str, key: bytes) -> str:
	return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()[:16]


def make_token(secret: str, key: bytes) -> str:
	"""`secret` (random, from the caller) followed by its signature under the site's key."""
	return f"{secret}{_signature(secret, key)}"


def signature_ok(token: str, key: bytes) -> bool:
	# ASCII letters and digits only (str.isalnum accepts 中文, which compare_digest refuses with a TypeError)
	if not isinstance(token, str) or not 16 < len(token) <= 128 or not (token.isascii() and token.isalnum()):
		return False
	secret, signature = token[:-16], token[-16:]
	return hmac.compare_digest(signature, _signature(secret, key))


def keyed_hash(value: str, key: bytes) -> str:
	"""A one-way, keyed fingerprint of `value` (recomputable only with the key)."""
	return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:40]


def token_hash(token: str) -> str:
	"""What the database keeps: a one-way hash; a stolen table opens no survey."""
	return hashlib.sha256(token.encode()).hexdigest()


def token_state(
	uses_left: int, valid_from: datetime | None, valid_until: datetime | None, now: datetime
) -> str:
	if uses_left is None or uses_left <= 0:
		return TOKEN_USED
	if valid_from and now < valid_from:
		return TOKEN_NOT_YET
	if valid_until and now > valid_until:
		return TOKEN_EXPIRED
	return TOKEN_OK


# ------------------------------------------------------------------ trend
def change(current: float | None, previous: float | None) -> float | None:
	if current is None or previous is None:
		return None
	return round(current - previous, 1)
