"""What the demo shows while it works (demo.progress): step times, bars with an estimate of the time left."""

from property_crm.demo.progress import Progress, bar_line, duration


class Clock:
	def __init__(self):
		self.now = 0.0

	def __call__(self):
		return self.now


def test_duration_reads_like_a_person_would_say_it():
	assert duration(0.4) == "0 s"
	assert duration(12.6) == "13 s"
	assert duration(185) == "3 min 05 s"
	assert duration(3720) == "1 h 02 min"


def test_the_estimate_follows_the_pace_so_far():
	line = bar_line("units", 250, 1000, elapsed=10.0)
	assert "25%" in line and "250/1,000" in line and "30 s left" in line
	assert bar_line("units", 1000, 1000, elapsed=40.0).endswith("done")
	assert bar_line("units", 0, 1000, elapsed=0.0).endswith("…")  # no pace yet, no guess


def test_a_bar_off_a_terminal_prints_a_line_at_each_tenth_not_at_each_update():
	out, clock = [], Clock()
	bar = Progress(out.append, tty=False, clock=clock).bar("residents", 100)
	for n in range(1, 101):
		clock.now = n / 10
		bar.update(n)
	assert len(out) == 11 and out[-1].strip().endswith("done")  # the start, then each tenth
	assert "residents" in out[0] and "10%" in out[1]


def test_on_a_terminal_the_bar_is_redrawn_in_place():
	out = []
	bar = Progress(out.append, tty=True, clock=Clock()).bar("months billed", 3)
	for n in range(4):
		bar.update(n)
	assert all(line.startswith("\r") for line in out) and out[-1].endswith("\n")


def test_each_step_is_timed_and_summed_even_when_it_fails():
	out, clock = [], Clock()
	progress = Progress(out.append, clock=clock)
	with progress.step("Service orders"):
		clock.now += 75
	try:
		with progress.step("Fees"):
			clock.now += 5
			raise RuntimeError("stopped")
	except RuntimeError:
		pass
	assert progress.timings == [("Service orders", 75), ("Fees", 5)]
	assert "✓ Service orders: 1 min 15 s\n" in out
	assert "in all" in progress.summary() and "1 min 20 s" in progress.summary()
