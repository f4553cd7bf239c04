"""Survey rules: conditions, validation, scores (hypothesis), audience, tokens."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from property_crm.property_surveys.rules import survey as s
from property_crm.property_surveys.rules.survey import Occupant, Question, SurveyError

KEY = b"site-secret"


def q(key, type_=s.RATING, **kwargs):
	return Question(key=key, type=type_, **kwargs)


TEMPLATE = (
	q("overall", s.RATING, required=True, dimension="Service Quality"),
	q("why", s.TEXT, condition_key="overall", condition_operator="<=", condition_value="2"),
	q("clean", s.RATING, dimension="Environment", weight=2),
	q("recommend", s.NPS),
	q("issues", s.MULTIPLE, options=("Noise", "Parking", "Cleaning")),
	q("parking_ok", s.YES_NO, condition_key="issues", condition_operator="=", condition_value="Parking"),
)


# ------------------------------------------------------------------ conditions
def test_condition_shows_and_hides():
	assert "why" not in s.visible_keys(TEMPLATE, {"overall": "5"})
	assert "why" in s.visible_keys(TEMPLATE, {"overall": "2"})
	assert "parking_ok" in s.visible_keys(TEMPLATE, {"issues": ["Noise", "Parking"]})
	assert "parking_ok" not in s.visible_keys(TEMPLATE, {"issues": ["Noise"]})
	assert "why" not in s.visible_keys(TEMPLATE, {}), "an unanswered question shows no follow-up"


def test_condition_chain_hidden_when_its_parent_is_hidden():
	chain = (
		q("a", s.YES_NO),
		q("b", s.YES_NO, condition_key="a", condition_operator="=", condition_value="Yes"),
		q("c", s.TEXT, condition_key="b", condition_operator="=", condition_value="Yes"),
	)
	assert s.visible_keys(chain, {"a": "No", "b": "Yes"}) == {"a"}
	assert s.visible_keys(chain, {"a": "Yes", "b": "Yes"}) == {"a", "b", "c"}


@pytest.mark.parametrize(
	"operator,expected,answer,holds",
	[
		("=", "3", "3", True),
		("!=", "3", "4", True),
		("!=", "3", "3", False),
		("<=", "2", "1", True),
		(">=", "9", "8", False),
		("in", "Noise, Parking", ["Parking"], True),
		("in", "Noise", "Cleaning", False),
		("<=", "2", "abc", False),
		("=", "Yes", None, False),
	],
)
def test_condition_operators(operator, expected, answer, holds):
	assert s.condition_holds(operator, expected, answer) is holds


# ------------------------------------------------------------------ validation
def test_hidden_answers_are_dropped_and_required_enforced():
	cleaned = s.clean_answers(TEMPLATE, {"overall": 5, "why": "forged", "parking_ok": "Yes"})
	assert cleaned == {"overall": "5"}
	with pytest.raises(SurveyError) as error:
		s.clean_answers(TEMPLATE, {"clean": 4})
	assert error.value.message == s.ANSWER_REQUIRED and error.value.key == "overall"


@pytest.mark.parametrize(
	"answers",
	[{"overall": 6}, {"overall": 0}, {"overall": "3.5"}, {"overall": "x"}, {"overall": 4, "recommend": 11},
	 {"overall": 4, "issues": ["Weather"]}, {"overall": 4, "issues": ["Parking"], "parking_ok": "maybe"}],
)  # fmt: skip
def test_invalid_values_refused(answers):
	with pytest.raises(SurveyError) as error:
		s.clean_answers(TEMPLATE, answers)
	assert error.value.message == s.ANSWER_INVALID


def test_multiple_choice_kept_in_template_order():
	assert s.clean_answers(TEMPLATE, {"overall": 4, "issues": ["Cleaning", "Noise", "Noise"]})["issues"] == [
		"Noise",
		"Cleaning",
	]


def test_template_checks():
	s.check_questions(TEMPLATE)
	with pytest.raises(SurveyError, match="earlier"):
		s.check_questions((q("a", condition_key="b", condition_operator="=", condition_value="1"), q("b")))
	with pytest.raises(SurveyError, match="twice"):
		s.check_questions((q("a"), q("a")))
	with pytest.raises(SurveyError, match="two options"):
		s.check_questions((q("a", s.SINGLE, options=("x",)),))
	with pytest.raises(SurveyError, match="at least one"):
		s.check_questions(())
	with pytest.raises(SurveyError, match="weight"):
		s.check_questions((q("a", weight=0),))
	with pytest.raises(SurveyError, match="wording"):
		s.check_questions((q("a"),), texts=[" "])


def test_messages_name_their_field_and_have_no_gaps():
	import re

	for template in s.MESSAGES:
		assert re.match(r"^(\{0\}|[A-Z][\w\s,{}]*)[:]", template), template
		numbers = sorted({int(n) for n in re.findall(r"\{(\d+)\}", template)})
		assert numbers == list(range(len(numbers)))


# ------------------------------------------------------------------ scores
def test_scores_of_one_response():
	answers = {"overall": "5", "clean": "2", "recommend": "6", "issues": ["Noise"]}
	scores = s.score(TEMPLATE, answers)
	assert scores.dimensions == {"Service Quality": 100.0, "Environment": 25.0}
	# overall: (100*1 + 25*2 + 60*1) / 4
	assert scores.overall == 52.5
	assert (scores.ratings, scores.satisfied_ratings) == (2, 1)
	assert scores.nps_class == s.DETRACTOR and scores.nps_value == 6
	assert scores.response_class == s.NEUTRAL
	assert s.needs_follow_up(scores, 40)  # detractor
	assert not s.needs_follow_up(s.score(TEMPLATE, {"overall": "5"}), 60)


ratings = st.integers(min_value=1, max_value=5)
weights = st.floats(min_value=0.1, max_value=10, allow_nan=False)


@given(st.lists(st.tuples(ratings, weights, st.booleans()), min_size=1, max_size=12))
def test_scores_are_bounded_and_weighted(rows):
	questions = [q(f"q{i}", weight=w, dimension="D") for i, (_r, w, _a) in enumerate(rows)]
	answers = {f"q{i}": str(r) for i, (r, _w, answered) in enumerate(rows) if answered}
	scores = s.score(questions, answers)
	answered = [(r, w) for r, w, a in rows if a]
	if not answered:
		assert scores.overall is None and scores.dimensions == {} and scores.response_class is None
		return
	assert 0 <= scores.overall <= 100
	expected = sum((r - 1) * 25 * w for r, w in answered) / sum(w for _r, w in answered)
	assert scores.overall == pytest.approx(expected, abs=0.01)
	assert scores.dimensions["D"] == scores.overall
	assert (
		min((r - 1) * 25 for r, _w in answered) - 0.01
		<= scores.overall
		<= max((r - 1) * 25 for r, _w in answered) + 0.01
	)
	assert scores.ratings == len(answered)
	assert scores.satisfied_ratings == sum(1 for r, _w in answered if r >= 4)


@given(st.lists(st.tuples(ratings, weights), min_size=1, max_size=8), st.integers(1, 8))
def test_skipped_optional_questions_never_count_as_zero(rows, extra):
	questions = [q(f"q{i}", weight=w) for i, (_r, w) in enumerate(rows)]
	answers = {f"q{i}": str(r) for i, (r, _w) in enumerate(rows)}
	with_skipped = questions + [q(f"skip{i}", weight=5) for i in range(extra)]
	assert s.score(with_skipped, answers).overall == s.score(questions, answers).overall


@given(ratings, ratings, weights)
def test_hidden_questions_never_count(first, hidden_answer, weight):
	questions = (
		q("a"),
		q("b", weight=weight, condition_key="a", condition_operator="<=", condition_value="0"),
	)
	scores = s.score(questions, {"a": str(first), "b": str(hidden_answer)})
	assert scores.overall == (first - 1) * 25.0
	assert scores.ratings == 1


@given(st.sampled_from([s.RATING, s.NPS, s.YES_NO, s.TEXT, s.SINGLE]), st.data())
def test_one_question_templates(type_, data):
	options = ("A", "B")
	question = q("only", type_, required=True, options=options)
	value = {
		s.RATING: data.draw(st.integers(1, 5)),
		s.NPS: data.draw(st.integers(0, 10)),
		s.YES_NO: data.draw(st.sampled_from([s.YES, s.NO])),
		s.TEXT: data.draw(st.text(min_size=1).filter(str.strip)),
		s.SINGLE: data.draw(st.sampled_from(options)),
	}[type_]
	cleaned = s.clean_answers([question], {"only": value})
	scores = s.score([question], cleaned)
	if type_ in s.SCORED:
		assert 0 <= scores.overall <= 100
		assert scores.response_class in (s.SATISFIED, s.NEUTRAL, s.DISSATISFIED)
	else:
		assert scores.overall is None and scores.response_class is None
	assert (scores.nps_class is not None) == (type_ == s.NPS)


@given(st.integers(0, 10))
def test_nps_classes(value):
	expected = s.PROMOTER if value >= 9 else s.PASSIVE if value >= 7 else s.DETRACTOR
	assert s.nps_class(value) == expected


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_aggregates_bounded(promoters, detractors, passives):
	answered = promoters + detractors + passives
	value = s.nps(promoters, detractors, answered)
	assert value is None if not answered else -100 <= value <= 100
	assert (
		s.csat(promoters, promoters + passives) in (None,)
		or 0 <= s.csat(promoters, promoters + passives) <= 100
	)


# ------------------------------------------------------------------ audience
def test_household_picks_primary_then_owner_and_skips_recent():
	people = [
		Occupant("tenant", "U1", "Tenant"),
		Occupant("owner", "U1", "Owner"),
		Occupant("family", "U1", "Family Member", primary_contact=True),
		Occupant("other", "U2", "Owner"),
	]
	assert s.select_audience(people, per_household=True) == [("family", "U1"), ("other", "U2")]
	assert s.select_audience(people, True, recently_surveyed={"family"}) == [("owner", "U1"), ("other", "U2")]
	assert s.select_audience(people, True, recently_surveyed={"family", "owner", "tenant"}) == [
		("other", "U2")
	]
	assert len(s.select_audience(people, per_household=False)) == 4
	assert s.select_audience(people, False, recently_surveyed={"owner"}) == [
		("family", "U1"),
		("tenant", "U1"),
		("other", "U2"),
	]


def test_audience_filters_and_people_in_two_homes():
	people = [
		Occupant("a", "U1", "Owner", resident_type="Owner", tags=("Elderly",)),
		Occupant("a", "U2", "Owner", resident_type="Owner", tags=("Elderly",)),
		Occupant("b", "U3", "Tenant", resident_type="Tenant"),
	]
	assert s.select_audience(people, False) == [("a", "U1"), ("b", "U3")]
	assert s.select_audience(people, True, resident_types={"Tenant"}) == [("b", "U3")]
	assert s.select_audience(people, True, tags={"Elderly"}) == [("a", "U1")]


@given(st.lists(st.tuples(st.sampled_from("pqrst"), st.sampled_from(["U1", "U2", "U3"])), max_size=15),
	st.sets(st.sampled_from("pqrst")))  # fmt: skip
def test_audience_never_invites_recent_or_twice(rows, recent):
	people = [Occupant(p, u) for p, u in rows]
	for per_household in (True, False):
		chosen = s.select_audience(people, per_household, recent)
		persons = [p for p, _u in chosen]
		assert not set(persons) & recent
		assert len(persons) == len(set(persons))
		if per_household:
			units = [u for _p, u in chosen]
			assert len(units) == len(set(units))


def test_respondent_keys():
	assert s.respondent_key("P1", "U1", True) == "unit:U1"
	assert s.respondent_key("P1", "U1", False) == "person:P1"
	assert s.respondent_key("P1", "U1", True, "Service Order:SO-1") == "ref:Service Order:SO-1"


# ------------------------------------------------------------------ tokens
def test_tokens_signed_hashed_and_stateful():
	token = s.make_token("a1b2c3d4e5f6a7b8c9d0", KEY)
	assert s.signature_ok(token, KEY)
	assert not s.signature_ok(token, b"another-site")
	assert not s.signature_ok(token[:-1] + ("0" if token[-1] != "0" else "1"), KEY)
	assert not s.signature_ok("中" * 40, KEY)  # not ASCII: refused, not a TypeError in compare_digest
	assert not s.signature_ok("short", KEY) and not s.signature_ok("../etc/passwd" * 3, KEY)
	assert s.token_hash(token) != token and len(s.token_hash(token)) == 64
	now = datetime(2026, 5, 1, 12)
	day = timedelta(days=1)
	assert s.token_state(1, now - day, now + day, now) == s.TOKEN_OK
	assert s.token_state(0, now - day, now + day, now) == s.TOKEN_USED
	assert s.token_state(1, now + day, None, now) == s.TOKEN_NOT_YET
	assert s.token_state(1, None, now - day, now) == s.TOKEN_EXPIRED


@given(st.text(alphabet="0123456789abcdef", min_size=8, max_size=40))
def test_any_signed_secret_verifies(secret):
	assert s.signature_ok(s.make_token(secret, KEY), KEY)


def test_change():
	assert s.change(80.0, 75.5) == 4.5
	assert s.change(None, 3) is None


# ------------------------------------------------------------------ the demo's generator
@given(st.integers(0, 10_000), st.floats(0, 1))
def test_demo_answers_are_valid_and_scored(seed, mood):
	import random

	from property_crm.demo.generate import surveys as demo

	rng = random.Random(seed)
	for template, answers in (
		(demo.ANNUAL, demo.annual_answers(rng, mood)),
		(demo.AFTER_REPAIR, demo.repair_answers(rng, rng.choice([None, 1, 3, 5]))),
		(demo.AFTER_COMPLAINT, demo.complaint_answers(rng)),
	):
		questions = demo.questions(template)
		s.check_questions(questions)
		assert s.clean_answers(questions, answers) == answers, "every generated answer is shown and valid"
		scores = demo.scored(template, answers)
		assert 0 <= scores.overall <= 100


def test_demo_repair_survey_follows_the_order_rating():
	import random

	from property_crm.demo.generate import surveys as demo

	rng = random.Random(1)
	assert all(demo.repair_answers(rng, 5)["done"] == "5" for _i in range(20))
	assert all("what_wrong" in demo.repair_answers(rng, 1) for _i in range(20))
	assert len(demo.sample(random.Random(2), range(1000), 0.3)) in range(240, 360)


@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30))
def test_keyed_hash_needs_the_key(a, b):
	assert s.keyed_hash(a, KEY) == s.keyed_hash(a, KEY)
	assert s.keyed_hash(a, KEY) != s.keyed_hash(a, b"another key")
	assert (s.keyed_hash(a, KEY) == s.keyed_hash(b, KEY)) == (a == b)
