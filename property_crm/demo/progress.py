"""What the demo shows while it works: each step's name and time, and a bar with an estimate of the time
left for every long loop (pure: a clock and an output function are passed in, so it is tested without
waiting).

On a terminal a bar is redrawn in place; elsewhere (a log, CI) it prints a line at every tenth."""

import time
from collections.abc import Callable
from contextlib import contextmanager


def duration(seconds: float) -> str:
	"""12 s, 3 min 05 s, 1 h 02 min."""
	seconds = max(0, round(seconds))
	if seconds < 60:
		return f"{seconds} s"
	if seconds < 3600:
		return f"{seconds // 60} min {seconds % 60:02d} s"
	return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def bar_line(label: str, done: int, total: int, elapsed: float, width: int = 30) -> str:
	"""`label [=======>      ] 45%  4,500/10,000  1 min 02 s left` (the estimate from the pace so far)."""
	total = max(total, 1)
	done = min(max(done, 0), total)
	filled = int(width * done / total)
	bar = "=" * filled + (">" if filled < width else "") + " " * max(0, width - filled - 1)
	left = elapsed / done * (total - done) if done else None
	estimate = "done" if done == total else (f"{duration(left)} left" if left is not None else "…")
	return f"{label} [{bar}] {100 * done // total:3d}%  {done:,}/{total:,}  {estimate}"


class Bar:
	def __init__(self, label: str, total: int, write: Callable[[str], None], tty: bool, clock=time.monotonic):
		self.label, self.total, self.write, self.tty, self.clock = label, total, write, tty, clock
		self.started = clock()
		self.done = 0
		self.shown_tenth = -1

	def update(self, done: int) -> None:
		self.done = done
		line = bar_line(self.label, done, self.total, self.clock() - self.started)
		if self.tty:
			self.write("\r" + line + ("\n" if done >= self.total else ""))
			return
		tenth = 10 * min(done, self.total) // max(self.total, 1)
		if tenth > self.shown_tenth:
			self.shown_tenth = tenth
			self.write(line + "\n")

	def advance(self, by: int = 1) -> None:
		self.update(self.done + by)


class Progress:
	"""Called with a message, it prints it (the steps' plain lines); `step()` times a step; `bar()` makes a
	bar for a loop."""

	def __init__(self, write: Callable[[str], None], tty: bool = False, clock=time.monotonic):
		self.write, self.tty, self.clock = write, tty, clock
		self.timings: list[tuple[str, float]] = []

	def __call__(self, message: str) -> None:
		self.write(f"  {message}\n")

	@contextmanager
	def step(self, name: str):
		self.write(f"▶ {name}\n")
		started = self.clock()
		try:
			yield self
		finally:
			took = self.clock() - started
			self.timings.append((name, took))
			self.write(f"✓ {name}: {duration(took)}\n")

	def bar(self, label: str, total: int) -> Bar:
		return Bar(f"  {label}", total, self.write, self.tty, self.clock)

	def summary(self) -> str:
		total = sum(t for _n, t in self.timings)
		lines = [f"  {name:<44} {duration(took):>10}" for name, took in self.timings]
		return "\n".join(["Time of each step:", *lines, f"  {'in all':<44} {duration(total):>10}"])
