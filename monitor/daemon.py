"""`policy-monitor run`: APScheduler wiring and signals only. Every job calls a stage that
keeps its state in SQLite, so a restart resumes where the last run stopped.

Job defaults, and why:
- coalesce=True: runs missed while the loop was busy (or the machine asleep) collapse
  into one; a burst of identical polls would only hammer the feeds.
- max_instances=1: a slow poll never overlaps the next tick of itself; that tick is
  skipped and the due feeds are picked up by the following one.
- misfire_grace_time: interval jobs get one tick's worth (a later run comes soon
  anyway); the digest and the sweep get an hour, so a stall around 08:00 does not skip a
  day's digest.

APScheduler's asyncio executor cancels running jobs on shutdown, so the daemon drains
them itself first: on SIGTERM/SIGINT it pauses the scheduler (no new runs), waits up to
`daemon.shutdown_grace` for running jobs, then stops. A second signal exits at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor import __version__, resources
from monitor.config import Settings, parse_duration
from monitor.deliver import deliver_pending, send_digest
from monitor.engine import Engine
from monitor.evaluate import evaluate_pending, sweep
from monitor.fulltext import complete_articles
from monitor.logs import FeedTransition, feed_transitions, log_feed_transition
from monitor.outbox import Channel, channels
from monitor.parsing import ParsePool
from monitor.pipeline import (
    Clock,
    import_paths,
    make_parse_pool,
    poll_feeds,
    sync_config_feeds,
    utcnow,
)
from monitor.rules import load_rules
from monitor.store import Store
from monitor.web.server import WebServer

log = logging.getLogger("policy_monitor")
# A stage returns a one-line summary, or None when there was nothing to do.
Stage = Callable[[], Awaitable[str | None]]
HEARTBEAT_S = 30.0
CRON_GRACE_S = 3600


def digest_trigger(schedule: str) -> BaseTrigger:
    """'daily 08:00', 'weekly mon 08:00' (UTC) or 'every 6h'."""
    words = schedule.split()
    if words[0] == "every":
        seconds = parse_duration(words[1])
        assert isinstance(seconds, float)
        return IntervalTrigger(seconds=seconds, timezone=UTC)
    hour, minute = (int(part) for part in words[-1].split(":"))
    day = words[1] if words[0] == "weekly" else "*"
    return CronTrigger(day_of_week=day, hour=hour, minute=minute, timezone=UTC)


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: BaseTrigger
    stage: Stage
    label: str
    grace_s: int | None = None  # None: one interval
    at_start: bool = True


class Daemon:
    def __init__(self, settings: Settings, *, clock: Clock = utcnow) -> None:
        self.settings = settings
        self.clock = clock
        self.store = Store.open(settings.db)
        self.engine = Engine(load_rules(settings.rules))
        self.channels: list[Channel] = channels(settings)
        self.stopping = asyncio.Event()
        self.inflight: set[asyncio.Task[object]] = set()
        self.signals = 0
        self.scheduler: AsyncIOScheduler | None = None
        self.parser: ParsePool | None = None

    # --- the stages, as jobs -------------------------------------------------------------

    async def poll(self) -> str | None:
        due = self.store.due_feeds(self.clock())
        if not due:
            return None
        assert self.parser is not None
        report = await poll_feeds(
            self.store,
            self.settings.fetch,
            due,
            clock=self.clock,
            parser=self.parser,
            jitter=self.settings.daemon.poll_jitter,
        )
        for change in feed_transitions(due, report.errors):
            log_feed_transition(log, change)
        summary = (
            f"{report.feeds} feeds, {report.ok} ok, {report.not_modified} not modified, "
            f"{len(report.errors)} failed, {report.new_articles} new articles"
        )
        if report.new_articles:
            # New articles go straight through: evaluate, then deliver what changed.
            summary += f"; {await self.evaluate() or 'nothing evaluated'}"
        return summary

    async def evaluate(self) -> str | None:
        if self.settings.fetch.full_text:
            await complete_articles(
                self.store, self.engine._has_keyword, self.settings.fetch, self.clock
            )
        report = evaluate_pending(
            self.store,
            self.engine,
            self.clock(),
            min_confidence=self.settings.policy.min_confidence,
            channels=self.channels,
        )
        if not report.articles and not report.failed:
            return None
        summary = f"{report.articles} evaluated, {report.changes} new changes"
        if report.failed:
            summary += f", {report.failed} set aside (the rules failed; see `status`)"
        if report.changes:
            summary += f"; {await self.deliver() or 'nothing to deliver'}"
        return summary

    async def deliver(self) -> str | None:
        report = await deliver_pending(self.store, self.settings, self.clock)
        if not report.attempted:
            return None
        return f"{report.sent} sent, {report.retrying} to retry, {report.dead} dead"

    async def digest(self) -> str | None:
        count = await send_digest(self.store, self.settings, self.clock)
        return f"digest of {count} changes sent" if count else None

    async def sweep(self) -> str:
        now = self.clock()
        horizon = int(self.settings.policy.reminder_horizon // 86400)
        report = sweep(self.store, now.date(), horizon, now, self.channels)
        summary = f"{report.expired} expired, {report.reminders} reminders"
        if report.expired:
            summary += f"; {await self.deliver() or 'nothing to deliver'}"
        return summary

    async def heartbeat(self) -> None:
        self.store.heartbeat(self.clock())

    # --- wiring ---------------------------------------------------------------------------

    def _job(self, job_id: str, stage: Stage) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            self.inflight.add(task)
            self.store.job_started(job_id, self.clock())
            error = summary = None
            try:
                summary = await stage()
                if summary is not None:
                    log.info("%s: %s", job_id, summary)
            except Exception as exc:  # a failing stage must not stop the daemon
                error = f"{type(exc).__name__}: {exc}"
                log.exception("%s failed", job_id)
            finally:
                self.inflight.discard(task)
                self.store.job_finished(
                    job_id, self.clock(), error=error, summary=summary, next_run=self._next(job_id)
                )

        return run

    def _next(self, job_id: str) -> datetime | None:
        job = self.scheduler.get_job(job_id) if self.scheduler else None
        return job.next_run_time if job is not None else None

    def _jobs(self) -> list[JobSpec]:
        config = self.settings.daemon

        def every(seconds: float) -> IntervalTrigger:
            return IntervalTrigger(seconds=seconds, timezone=UTC)

        hour, minute = (int(part) for part in config.sweep_at.split(":"))
        specs = [
            JobSpec("poll", every(config.tick), self.poll, f"every {config.tick:g}s"),
            JobSpec(
                "evaluate",
                every(config.evaluate_every),
                self.evaluate,
                f"every {config.evaluate_every:g}s",
            ),
            JobSpec(
                "deliver",
                every(config.deliver_every),
                self.deliver,
                f"every {config.deliver_every:g}s",
            ),
            JobSpec("heartbeat", every(HEARTBEAT_S), self.heartbeat, f"every {HEARTBEAT_S:g}s"),
            JobSpec(
                "sweep",
                CronTrigger(hour=hour, minute=minute, timezone=UTC),
                self.sweep,
                f"daily {config.sweep_at} UTC",
                grace_s=CRON_GRACE_S,
            ),
        ]
        if self.settings.email is not None:
            schedule = self.settings.email.schedule
            specs.append(
                JobSpec(
                    "digest",
                    digest_trigger(schedule),
                    self.digest,
                    schedule,
                    grace_s=CRON_GRACE_S,
                    at_start=False,
                )
            )
        return specs

    def _schedule(self, scheduler: AsyncIOScheduler) -> None:
        now = datetime.now(UTC)
        for spec in self._jobs():
            interval = getattr(spec.trigger, "interval", None)
            grace = spec.grace_s
            if grace is None:
                grace = int(interval.total_seconds()) + 1 if interval is not None else 60
            scheduler.add_job(
                self._job(spec.id, spec.stage),
                spec.trigger,
                id=spec.id,
                name=spec.id,
                misfire_grace_time=grace,
                # The stages that catch up on what happened while we were down run at once.
                next_run_time=now if spec.at_start else spec.trigger.get_next_fire_time(None, now),
            )
            self.store.job_scheduled(spec.id, spec.label, self._next_of(scheduler, spec.id))

    @staticmethod
    def _next_of(scheduler: AsyncIOScheduler, job_id: str) -> datetime | None:
        job = scheduler.get_job(job_id)
        return job.next_run_time if job is not None else None

    def _on_signal(self, signum: int) -> None:
        self.signals += 1
        if self.signals > 1:
            log.warning("second signal: exiting at once")
            os._exit(128 + signum)
        log.info("%s: finishing running jobs (up to %gs), then stopping",
                 signal.Signals(signum).name, self.settings.daemon.shutdown_grace)  # fmt: skip
        self.stopping.set()

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._on_signal, signum)
        now = self.clock()
        sync_config_feeds(self.store, self.settings.feeds, now)
        if self.settings.daemon.import_seeds:
            import_paths(self.store, [resources.seeds_dir()], self.clock)
        self.store.daemon_started(os.getpid(), __version__, now)
        health = None
        address = self.settings.daemon.health_address()
        if address is not None:
            horizon = int(self.settings.policy.reminder_horizon // 86400)
            health = WebServer(self.settings.db, *address, horizon_days=horizon)
            health.start()
            log.info(
                "dashboard: http://%s:%d/ (and /healthz, /metrics, /changes.atom)",
                *health.address,
            )
        active = self.store.feeds()
        feeds = len(active)
        for feed in active:
            # Failing since before this start: said once now, then only when it changes.
            if feed.error_count:
                log_feed_transition(
                    log, FeedTransition(feed.url, "failing", feed.last_error, feed.error_count)
                )
        self.parser = make_parse_pool(self.settings.fetch)
        scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1}
        )
        self.scheduler = scheduler
        self._schedule(scheduler)
        scheduler.start()  # inside the running loop, as APScheduler 3 requires
        log.info("running: %d feeds, database %s", feeds, self.settings.db)
        await self.stopping.wait()

        scheduler.pause()
        running = set(self.inflight)
        if running:
            _done, late = await asyncio.wait(running, timeout=self.settings.daemon.shutdown_grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        scheduler.shutdown(wait=False)
        if health is not None:
            health.stop()
        self.parser.shutdown()
        self.store.daemon_stopped(self.clock())
        self.store.close()
        log.info("stopped")
        return 0


def run_daemon(settings: Settings) -> int:
    async def main() -> int:
        return await Daemon(settings).run()

    return asyncio.run(main())
