#!/usr/bin/env python3
"""Writes the saas example: a B2B subscription-and-helpdesk vendor's database.

The vendor runs a customer platform (billing, support inbox, product
analytics) for several B2B software companies: its tenants, called
workspaces. Every table carries `workspace_id`, the tenant column, a
uuid-shaped text. Each workspace sees its own customer companies, their
users, subscriptions, invoices, support conversations, product events and
month-end MRR snapshots. Money is stored in US dollar cents (`*_cents`).

Tables
  workspaces      one workspace (tenant): workspace_id, name, tier (free, pro, enterprise)
  companies       one customer company of a workspace
  users           one person of a customer company with a login
  subscriptions   one subscription of a company (plan, billing cycle, seats, MRR, status)
  invoices        one invoice of a subscription (issued, due, paid, status), 2023-01-01 on
  conversations   one support conversation (channel, priority, topic, first response
                  and resolution in minutes, CSAT), 2024-01-01 on
  events          one product usage event of a user, 2024-01-01 on
  mrr_snapshots   one paying subscription at one month end (2024-01-31 .. 2025-10-31):
                  a snapshot, so MRR never adds up over dates

Everything happens up to "now", 2025-11-15 12:00; statuses are as of then
(an unpaid invoice past its due date is `past_due`, a subscription with one
is `past_due` too).

Usage
  python3 examples/saas/seed.py --sqlite FILE [--scale 1.0]
  python3 examples/saas/seed.py --postgres URL [--scale 1.0]

The output is a pure function of --scale (random.Random with fixed seeds,
one per workspace). It drops and re-creates its own eight tables and nothing
else. --scale multiplies the number of companies of every workspace.
Standard library only; the PostgreSQL path pipes COPY ... FROM STDIN into
`psql`.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import math
import random
import sqlite3
import subprocess
import sys

SEED = 20251115
NOW = dt.datetime(2025, 11, 15, 12, 0, 0)
TODAY = NOW.date()
BILLING_START = dt.date(2023, 1, 1)
ACTIVITY_START = dt.date(2024, 1, 1)
SNAPSHOT_FIRST = dt.date(2024, 1, 31)

# workspace_id, name, tier, companies at scale 1.0, agents
WORKSPACES = [
    ("5f0c2a7e-1b3d-4c8e-9a41-2d6b7e8f9c01", "Ledgerly", "pro", 420, 9),
    ("a3d9e4b2-7c15-4f60-8b2e-9e1f0c3d5a72", "Pixelforge", "enterprise", 900, 16),
    ("0e7b6c5d-4a39-4d21-b8f7-6c5e4d3b2a13", "Tidy Tasks", "free", 45, 3),
    ("c81f2e9a-6d4b-4b7c-a5e3-1f9d8c7b6a54", "Routewise", "pro", 250, 6),
    ("7d2a1c0b-9e8f-4a6d-b3c2-5e4f6a7b8c95", "Beamform", "enterprise", 600, 12),
]

FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "James", "Sophia", "Lucas", "Mia", "Ethan",
         "Amelia", "Mason", "Harper", "Logan", "Ella", "Jacob", "Chloe", "Daniel", "Grace", "Henry",
         "Priya", "Arjun", "Mei", "Kenji", "Lena", "Jonas", "Camille", "Hugo", "Sofia", "Mateo",
         "Aisha", "Omar", "Nora", "Felix", "Isla", "Leo", "Zoe", "Max", "Ruby", "Sam"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Martin",
        "Lee", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
        "Nelson", "Patel", "Shah", "Chen", "Wang", "Tanaka", "Muller", "Schmidt", "Dubois",
        "Rossi", "Silva", "Costa", "Novak", "Khan", "Ali", "Kowalski", "Jansen", "Murphy",
        "Kelly", "Lopez", "Park"]
# Company names: a small pool, so that some names repeat within a workspace
# (two different "Northwind Labs"), and some match a person's last name.
NAME_HEAD = ["Northwind", "Bluepeak", "Acme", "Brightline", "Cobalt", "Evergreen", "Ironclad",
             "Lumen", "Maple", "Nimbus", "Orchid", "Pinnacle", "Quarry", "Redwood", "Silverline",
             "Summit", "Tidewater", "Vertex", "Willow", "Zenith", "Harbor", "Keystone", "Atlas",
             "Baker", "Kelly", "Granite", "Juniper", "Osprey", "Sterling", "Foxglove"]
NAME_TAIL = ["Labs", "Inc", "Systems", "Group", "Analytics", "Health", "Studio", "Logistics",
             "Partners", "Software", "Foods", "Capital"]

INDUSTRIES = [("software", 26), ("fintech", 10), ("healthcare", 9), ("education", 8),
              ("retail", 11), ("manufacturing", 9), ("media", 7), ("professional_services", 14),
              ("nonprofit", 6)]
COUNTRIES = [("United States", 40), ("United Kingdom", 12), ("Germany", 9), ("Canada", 7),
             ("France", 6), ("Australia", 5), ("Netherlands", 5), ("India", 6), ("Brazil", 4),
             ("Spain", 3), ("Sweden", 3)]
PLANS = ["starter", "team", "business", "enterprise"]
PRICE = {"starter": 12.0, "team": 25.0, "business": 45.0, "enterprise": 80.0}  # USD per seat and month
CANCEL_REASONS = [("too_expensive", 28), ("missing_features", 20), ("switched_to_competitor", 16),
                  ("no_longer_needed", 22), ("company_closed", 6), ("poor_support", 8)]
EVENT_TYPES = [("login", 34), ("dashboard_view", 28), ("report_created", 12), ("export", 8),
               ("comment_added", 11), ("invite_sent", 4), ("integration_connected", 3)]
PLATFORMS = [("web", 70), ("desktop", 12), ("ios", 10), ("android", 8)]
CHANNELS = [("email", 40), ("chat", 35), ("web_form", 15), ("phone", 10)]
PRIORITIES = [("low", 25), ("normal", 50), ("high", 18), ("urgent", 7)]
TOPICS = [("how_to", 30), ("bug", 22), ("billing", 15), ("feature_request", 12),
          ("integrations", 11), ("account_access", 10)]
FIRST_RESPONSE = {"urgent": 14, "high": 45, "normal": 130, "low": 320}  # median minutes
RESOLUTION = {"urgent": 240, "high": 700, "normal": 1800, "low": 3600}  # median minutes

TABLES = ["mrr_snapshots", "events", "conversations", "invoices", "subscriptions", "users",
          "companies", "workspaces"]  # drop order
ORDER = list(reversed(TABLES))


def weighted(rng: random.Random, pairs):
    x = rng.random() * sum(w for _, w in pairs)
    for v, w in pairs:
        x -= w
        if x <= 0:
            return v
    return pairs[-1][0]


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def lognormal(rng: random.Random, typical: float, spread: float) -> float:
    return typical * math.exp(rng.gauss(0.0, spread))


def month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    y, m = d.year + y, m + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def months(a: dt.date, b: dt.date):
    """(first, last) day of every month from a's to b's."""
    y, m = a.year, a.month
    while (y, m) <= (b.year, b.month):
        yield dt.date(y, m, 1), month_end(y, m)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def work_time(rng: random.Random, lo: dt.date, hi: dt.date, weekend=0.18) -> dt.datetime:
    """A moment between lo and hi (dates, inclusive), mostly on weekdays in office hours."""
    for _ in range(20):
        d = lo + dt.timedelta(days=rng.randint(0, max(0, (hi - lo).days)))
        if d.weekday() < 5 or rng.random() < weekend:
            break
    h = min(23, max(0, int(rng.gauss(13.0, 3.2))))
    t = dt.datetime(d.year, d.month, d.day, h, rng.randint(0, 59), rng.randint(0, 59))
    return min(t, NOW - dt.timedelta(minutes=rng.randint(1, 600)))


class Ids:
    def __init__(self):
        self.company = self.user = self.subscription = self.invoice = 0
        self.conversation = self.event = 0


class Workspace:
    """Generates one workspace's rows; every list holds tuples in DDL column order."""

    def __init__(self, wid, n_companies, n_agents, ids: Ids):
        self.wid = wid
        self.rng = random.Random(SEED + sum(ord(c) for c in wid))
        self.ids = ids
        self.n = n_companies
        self.companies, self.users, self.subscriptions, self.invoices = [], [], [], []
        self.conversations, self.events, self.snapshots = [], [], []
        self.churns = 0
        rng = self.rng
        self.agents = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(n_agents)]

    def signup_date(self, i: int) -> dt.date:
        """Sign-ups since 2021, growing, with more of them in Q1 and September."""
        rng = self.rng
        first = dt.date(2021, 1, 1)
        span = (TODAY - first).days
        while True:
            d = first + dt.timedelta(days=int(span * rng.random() ** (1 / 1.6)))
            w = {1: 1.4, 2: 1.25, 3: 1.3, 9: 1.35, 7: 0.8, 8: 0.7, 12: 0.65}.get(d.month, 1.0)
            if rng.random() < w / 1.4:
                return d

    def run(self):
        for i in range(self.n):
            self.company(i)

    # ---- one company and everything it does ----------------------------------
    def company(self, i: int):
        rng = self.rng
        self.ids.company += 1
        cid = self.ids.company
        employees = max(2, int(lognormal(rng, 60, 1.5)))
        if i % 37 == 5:
            employees = rng.randint(1500, 12000)  # a few large ones
        segment = "smb" if employees < 100 else "mid_market" if employees < 1000 else "enterprise"
        name = f"{rng.choice(NAME_HEAD)} {rng.choice(NAME_TAIL)}"
        industry = weighted(rng, INDUSTRIES) if rng.random() > 0.04 else None
        country = weighted(rng, COUNTRIES)
        if i < len(INDUSTRIES):  # by position, so that every workspace has every value
            industry = INDUSTRIES[i][0]
        if i < len(COUNTRIES):
            country = COUNTRIES[i][0]
        created = self.signup_date(i)
        self.companies.append((cid, self.wid, name, industry, country, segment, employees, created))

        # subscriptions: the first one, and for some churned companies a second
        subs = []
        start = created + dt.timedelta(days=rng.randint(0, 20))
        if start > TODAY:
            start = TODAY
        subs.append(self.subscription(cid, segment, employees, start, first=True))
        last = subs[-1]
        if last["canceled"] and rng.random() < 0.12:
            again = last["canceled"] + dt.timedelta(days=rng.randint(40, 300))
            if again < TODAY - dt.timedelta(days=5):
                subs.append(self.subscription(cid, segment, employees, again, first=False))

        # users: while the company is a customer
        first_start = subs[0]["start"]
        end = subs[-1]["canceled"]
        seats = max(s["max_seats"] for s in subs)
        n_users = max(1, min(seats + 2, int(seats * rng.uniform(0.6, 1.1)) + 1))
        users = []
        for k in range(n_users):
            self.ids.user += 1
            uid = self.ids.user
            if k == 0 or rng.random() < 0.55:
                joined = first_start + dt.timedelta(days=rng.randint(0, 10))
            else:
                joined = first_start + dt.timedelta(days=int(((end or TODAY) - first_start).days * rng.random()))
            joined = min(joined, TODAY)
            role = "owner" if k == 0 else weighted(rng, [("admin", 12), ("member", 68), ("viewer", 20)])
            first, lastn = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first.lower()}.{lastn.lower()}{uid % 89}@{name.split()[0].lower()}.example"
            if rng.random() < 0.03:
                email = None
            deact = None
            if end:
                deact = end
            elif k > 0 and rng.random() < 0.1:
                deact = joined + dt.timedelta(days=rng.randint(20, 500))
                if deact >= TODAY:
                    deact = None
            consent = rng.random() < 0.72
            created_at = dt.datetime(joined.year, joined.month, joined.day, rng.randint(8, 18),
                                     rng.randint(0, 59), rng.randint(0, 59))
            created_at = min(created_at, NOW - dt.timedelta(minutes=5))
            users.append({"id": uid, "row": [uid, self.wid, cid, f"{first} {lastn}", email, role,
                                             created_at, None, deact, consent],
                          "joined": joined, "deact": deact,
                          "busy": math.exp(rng.gauss(0, 0.8)) * (0.4 if role == "viewer" else 1.0),
                          "silent": rng.random() < 0.07})
        self.activity(cid, segment, subs, users)
        for u in users:
            self.users.append(tuple(u["row"]))

    def subscription(self, cid, segment, employees, start, first):
        rng = self.rng
        self.ids.subscription += 1
        sid = self.ids.subscription
        plan = {"smb": weighted(rng, [("starter", 45), ("team", 40), ("business", 15)]),
                "mid_market": weighted(rng, [("starter", 10), ("team", 40), ("business", 40), ("enterprise", 10)]),
                "enterprise": weighted(rng, [("team", 10), ("business", 40), ("enterprise", 50)])}[segment]
        annual = rng.random() < {"smb": 0.2, "mid_market": 0.4, "enterprise": 0.7}[segment]
        seats = max(1, min(employees, int(lognormal(rng, {"smb": 5, "mid_market": 18, "enterprise": 60}[segment], 0.6))))
        discount = rng.uniform(0.7, 0.95) if plan == "enterprise" else 1.0
        plan0, seats0 = plan, seats
        trial_end = start + dt.timedelta(days=14)
        churn = {"smb": 0.024, "mid_market": 0.012, "enterprise": 0.006}[segment]
        canceled, reason = None, None
        history = []  # (month_end, plan, seats, mrr_cents) while paying
        if rng.random() < 0.16 and trial_end <= TODAY:  # trial never converted
            canceled = trial_end
            reason = weighted(rng, [("no_longer_needed", 5), ("too_expensive", 3), ("missing_features", 3)])
        else:
            d = trial_end
            while True:
                nxt = add_months(d, 1)
                if nxt > TODAY:
                    break
                hazard = churn * (1.8 if nxt.month == 1 else 1.0) * (0.6 if annual else 1.0)
                if rng.random() < hazard:
                    canceled = d + dt.timedelta(days=rng.randint(0, 27))
                    if canceled > TODAY:
                        canceled = None
                        break
                    reason = weighted(rng, CANCEL_REASONS)
                    if self.churns < len(CANCEL_REASONS):  # every workspace has every reason
                        reason = CANCEL_REASONS[self.churns][0]
                    self.churns += 1
                    break
                if rng.random() < 0.06:
                    seats = max(1, seats + rng.choice([-1, 1, 1, 2, 3, int(seats * 0.2)]))
                if rng.random() < 0.012 and plan != "enterprise":
                    plan = PLANS[PLANS.index(plan) + 1]
                    discount = rng.uniform(0.7, 0.95) if plan == "enterprise" else 1.0
                d = nxt
                history.append((d, plan, seats))
        price = lambda p, n, disc: round(n * PRICE[p] * (0.85 if annual else 1.0) * disc * 100)
        # month-end readings while paying (after the trial, before cancelling)
        timeline = sorted(history)
        cur_plan, cur_seats = plan0, seats0
        j = 0
        for m_first, m_last in months(SNAPSHOT_FIRST, dt.date(2025, 10, 31)):
            while j < len(timeline) and timeline[j][0] <= m_last:
                cur_plan, cur_seats = timeline[j][1], timeline[j][2]
                j += 1
            if trial_end <= m_last and (canceled is None or canceled > m_last):
                self.snapshots.append((self.wid, sid, cid, m_last, cur_plan, cur_seats,
                                       price(cur_plan, cur_seats, discount)))
        if canceled:
            status = "canceled"
        elif trial_end > TODAY:
            status = "trialing"
        else:
            status = "active"
        mrr = 0 if status == "trialing" else price(plan, seats, discount)
        sub = {"id": sid, "cid": cid, "start": start, "trial_end": trial_end, "canceled": canceled,
               "annual": annual, "plan": plan0, "seats": seats0, "discount": discount,
               "max_seats": max([seats] + [h[2] for h in history]), "status": status,
               "row": [sid, self.wid, cid, plan, "annual" if annual else "monthly", seats, mrr,
                       status, start, canceled, reason], "history": timeline, "price": price}
        self.invoices_of(sub)
        sub["row"][7] = sub["status"]
        self.subscriptions.append(tuple(sub["row"]))
        return sub

    def invoices_of(self, sub):
        rng = self.rng
        if sub["canceled"] and sub["canceled"] <= sub["trial_end"]:
            return
        d = sub["trial_end"]
        step = 12 if sub["annual"] else 1
        net = 30 if sub["annual"] or sub["seats"] > 40 else 0
        hist = sub["history"]
        while d <= TODAY and (sub["canceled"] is None or d < sub["canceled"]):
            plan, seats = sub["plan"], sub["seats"]
            for h in hist:
                if h[0] <= d:
                    plan, seats = h[1], h[2]
            if d >= BILLING_START:
                amount = sub["price"](plan, seats, sub["discount"]) * step
                self.ids.invoice += 1
                due = d + dt.timedelta(days=net)
                method = "bank_transfer" if net else weighted(rng, [("card", 85), ("paypal", 15)])
                r = rng.random()
                paid = None
                status = "paid"
                if r < 0.012:
                    status = "void"
                    method = None
                elif net:
                    paid = d + dt.timedelta(days=max(0, int(rng.gauss(24, 12))))
                    if rng.random() < 0.12:
                        paid = due + dt.timedelta(days=rng.randint(1, 45))
                else:
                    paid = d if rng.random() < 0.93 else d + dt.timedelta(days=rng.randint(1, 21))
                if paid and d > TODAY - dt.timedelta(days=75) and rng.random() < 0.06:
                    paid = TODAY + dt.timedelta(days=1)  # not paid yet
                if status != "void":
                    if rng.random() < 0.01 and d < dt.date(2025, 6, 1):
                        status, paid = "uncollectible", None
                    elif paid and paid > TODAY:
                        paid = None
                        status = "past_due" if due < TODAY else "open"
                    if sub["canceled"] and status == "paid" and rng.random() < 0.1 and d > dt.date(2025, 5, 1):
                        status, paid = "uncollectible", None
                if status in ("open", "past_due", "uncollectible", "void"):
                    method = None if status != "void" else None
                    if status in ("open", "past_due") and not net and due < TODAY:
                        status = "past_due"
                if status == "past_due" and sub["status"] == "active":
                    sub["status"] = "past_due"
                self.invoices.append((self.ids.invoice, self.wid, sub["id"], sub["cid"], d, due, paid,
                                      amount, status, method))
            d = add_months(sub["trial_end"], step * (1 + (add_months_count(sub["trial_end"], d) // step)))

    def activity(self, cid, segment, subs, users):
        """Conversations and product events while the company is a customer."""
        rng = self.rng
        live = []  # (first day, last day) a subscription was in use
        for s in subs:
            live.append((s["start"], s["canceled"] or TODAY))
        active_users = lambda day: [u for u in users if u["joined"] <= day and (u["deact"] is None or u["deact"] > day)]
        for m_first, m_last in months(ACTIVITY_START, TODAY):
            spans = [(max(a, m_first), min(b, m_last)) for a, b in live if a <= m_last and b >= m_first]
            if not spans:
                # a few questions after leaving (billing, data export)
                if any(s["canceled"] and s["canceled"] < m_first <= s["canceled"] + dt.timedelta(days=60) for s in subs) \
                        and rng.random() < 0.3:
                    self.conversation(cid, segment, users, m_first, min(m_last, TODAY), after_churn=True)
                continue
            lo, hi = spans[0][0], spans[-1][1]
            season_ev = {8: 0.75, 12: 0.7, 1: 1.1, 3: 1.1}.get(m_first.month, 1.0)
            season_cv = {1: 1.35, 3: 1.25, 8: 0.8, 12: 0.75}.get(m_first.month, 1.0)
            here = active_users(hi)
            part = ((hi - lo).days + 1) / ((m_last - m_first).days + 1)
            lam = (0.25 + 0.06 * len(here)) * season_cv * part
            for _ in range(poisson(rng, min(lam, 14))):
                self.conversation(cid, segment, users, lo, hi)
            for u in here:
                if u["silent"]:
                    continue
                ulo = max(lo, u["joined"])
                uhi = hi if u["deact"] is None else min(hi, u["deact"])
                if ulo > uhi:
                    continue
                frac = ((uhi - ulo).days + 1) / ((m_last - m_first).days + 1)
                for _ in range(poisson(rng, 2.6 * u["busy"] * season_ev * frac)):
                    t = work_time(rng, ulo, uhi, weekend=0.12)
                    etype = weighted(rng, EVENT_TYPES)
                    platform = weighted(rng, PLATFORMS)
                    self.ids.event += 1
                    self.events.append((self.ids.event, self.wid, u["id"], cid, t, etype, platform))
                    if u["row"][7] is None or t > u["row"][7]:
                        u["row"][7] = t

    def conversation(self, cid, segment, users, lo, hi, after_churn=False):
        rng = self.rng
        self.ids.conversation += 1
        opened = work_time(rng, lo, hi, weekend=0.1)
        priority = weighted(rng, PRIORITIES)
        if segment == "enterprise" and priority == "normal" and rng.random() < 0.2:
            priority = "high"
        channel = weighted(rng, CHANNELS)
        if segment == "enterprise" and rng.random() < 0.1:
            channel = "phone"
        topic = "billing" if after_churn and rng.random() < 0.7 else weighted(rng, TOPICS)
        cands = [u for u in users if u["joined"] <= opened.date()]
        requester = rng.choice(cands)["id"] if cands and rng.random() > 0.06 else None
        age = (NOW - opened).total_seconds() / 60
        first = lognormal(rng, FIRST_RESPONSE[priority] * (0.35 if channel == "chat" else 1.0), 0.9)
        if opened.weekday() >= 5 or opened.hour < 8 or opened.hour > 18:
            first *= 2.5
        first = max(1, int(first))
        if first > age or rng.random() < 0.015:
            first = None
        res = lognormal(rng, RESOLUTION[priority] * (1.6 if topic == "bug" else 1.0), 1.0)
        res = max(first or 5, int(res)) + rng.randint(1, 30)
        resolved = None
        if first is not None and res < age and rng.random() > 0.015:
            resolved = opened + dt.timedelta(minutes=res)
        else:
            res = None
        if resolved:
            status = "resolved"
        else:
            status = "snoozed" if rng.random() < 0.22 else "open"
        assignee = rng.choice(self.agents) if (first is not None or rng.random() < 0.5) else None
        csat = None
        if resolved and rng.random() < 0.38:
            good = 4.4 - 0.5 * math.log10(1 + res / 600) - (0.4 if priority == "urgent" and res > 480 else 0)
            csat = max(1, min(5, int(round(rng.gauss(good, 0.9)))))
        messages = 1 + (first is not None) + poisson(rng, 2.5 if topic in ("bug", "integrations") else 1.5)
        self.conversations.append((self.ids.conversation, self.wid, cid, requester, opened, channel,
                                   priority, topic, status, assignee, first, resolved, res, csat,
                                   messages))


def add_months_count(a: dt.date, b: dt.date) -> int:
    """Whole months from a to b (b on or after a's day of month)."""
    return (b.year - a.year) * 12 + (b.month - a.month)


def generate(scale: float):
    ids = Ids()
    workspaces, out = [], []
    for wid, name, tier, n, agents in WORKSPACES:
        workspaces.append((wid, name, tier))
        w = Workspace(wid, max(8, int(round(n * scale))), agents, ids)
        w.run()
        out.append(w)
    return workspaces, out


# ---- writers ---------------------------------------------------------------

DDL = """
CREATE TABLE workspaces (
  workspace_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  tier TEXT NOT NULL CHECK (tier IN ('free', 'pro', 'enterprise'))
);
CREATE TABLE companies (
  company_id INTEGER PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  name TEXT NOT NULL,
  industry TEXT,
  country TEXT NOT NULL,
  segment TEXT NOT NULL,
  employees INTEGER NOT NULL,
  created_on DATE NOT NULL
);
CREATE TABLE users (
  user_id INTEGER PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  company_id INTEGER NOT NULL REFERENCES companies(company_id),
  full_name TEXT NOT NULL,
  email TEXT,
  role TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  last_seen_at TIMESTAMP,
  deactivated_on DATE,
  tracking_consent BOOLEAN NOT NULL
);
CREATE TABLE subscriptions (
  subscription_id INTEGER PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  company_id INTEGER NOT NULL REFERENCES companies(company_id),
  plan TEXT NOT NULL,
  billing_cycle TEXT NOT NULL,
  seats INTEGER NOT NULL,
  mrr_cents BIGINT NOT NULL,
  status TEXT NOT NULL,
  started_on DATE NOT NULL,
  canceled_on DATE,
  cancel_reason TEXT
);
CREATE TABLE invoices (
  invoice_id INTEGER PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  subscription_id INTEGER NOT NULL REFERENCES subscriptions(subscription_id),
  company_id INTEGER NOT NULL REFERENCES companies(company_id),
  issued_on DATE NOT NULL,
  due_on DATE NOT NULL,
  paid_on DATE,
  amount_cents BIGINT NOT NULL,
  status TEXT NOT NULL,
  payment_method TEXT
);
CREATE TABLE conversations (
  conversation_id INTEGER PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  company_id INTEGER NOT NULL REFERENCES companies(company_id),
  requester_id INTEGER REFERENCES users(user_id),
  opened_at TIMESTAMP NOT NULL,
  channel TEXT NOT NULL,
  priority TEXT NOT NULL,
  topic TEXT NOT NULL,
  status TEXT NOT NULL,
  assignee TEXT,
  first_response_minutes INTEGER,
  resolved_at TIMESTAMP,
  resolution_minutes INTEGER,
  csat INTEGER,
  messages INTEGER NOT NULL
);
CREATE TABLE events (
  event_id BIGINT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  user_id INTEGER NOT NULL REFERENCES users(user_id),
  company_id INTEGER NOT NULL REFERENCES companies(company_id),
  occurred_at TIMESTAMP NOT NULL,
  event_type TEXT NOT NULL,
  platform TEXT NOT NULL
);
CREATE TABLE mrr_snapshots (
  workspace_id TEXT NOT NULL REFERENCES workspaces(workspace_id),
  subscription_id INTEGER NOT NULL REFERENCES subscriptions(subscription_id),
  company_id INTEGER NOT NULL REFERENCES companies(company_id),
  month_end DATE NOT NULL,
  plan TEXT NOT NULL,
  seats INTEGER NOT NULL,
  mrr_cents BIGINT NOT NULL,
  PRIMARY KEY (subscription_id, month_end)
);
CREATE INDEX companies_ws ON companies(workspace_id);
CREATE INDEX users_ws ON users(workspace_id);
CREATE INDEX subscriptions_ws ON subscriptions(workspace_id);
CREATE INDEX invoices_ws ON invoices(workspace_id);
CREATE INDEX conversations_ws ON conversations(workspace_id);
CREATE INDEX events_ws ON events(workspace_id);
CREATE INDEX mrr_snapshots_ws ON mrr_snapshots(workspace_id);
"""


def iso(v):
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def rows_of(workspaces, gen, table):
    if table == "workspaces":
        yield from workspaces
        return
    for w in gen:
        yield from getattr(w, "snapshots" if table == "mrr_snapshots" else table)


def write_sqlite(path, workspaces, gen):
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = OFF")
    for t in TABLES:
        con.execute(f"DROP TABLE IF EXISTS {t}")
    con.executescript(DDL)
    for t in ORDER:
        width = len(con.execute(f"SELECT * FROM {t} LIMIT 0").description)
        marks = ",".join("?" * width)
        con.executemany(f"INSERT INTO {t} VALUES ({marks})",
                        (tuple(int(v) if isinstance(v, bool) else iso(v) for v in r)
                         for r in rows_of(workspaces, gen, t)))
    con.commit()
    con.execute("PRAGMA foreign_keys = ON")
    bad = con.execute("PRAGMA foreign_key_check").fetchall()
    con.close()
    if bad:
        raise SystemExit(f"foreign key check failed: {bad[:5]}")


def pg_field(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "t" if v else "f"
    v = iso(v)
    if isinstance(v, str):
        return '"' + v.replace('"', '""') + '"'
    return str(v)


def write_postgres(url, workspaces, gen):
    proc = subprocess.Popen(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
                            stdin=subprocess.PIPE, text=True)
    w = proc.stdin
    w.write("SET client_min_messages = warning;\nBEGIN;\n")
    for t in TABLES:
        w.write(f"DROP TABLE IF EXISTS {t} CASCADE;\n")
    w.write(DDL)  # INTEGER, BIGINT, TEXT, BOOLEAN, DATE, TIMESTAMP: valid PostgreSQL too
    for t in ORDER:
        w.write(f"COPY {t} FROM STDIN WITH (FORMAT csv);\n")
        for r in rows_of(workspaces, gen, t):
            w.write(",".join(pg_field(v) for v in r) + "\n")
        w.write("\\.\n")
    w.write("COMMIT;\nANALYZE;\n")
    w.close()
    if proc.wait() != 0:
        raise SystemExit("psql failed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    target = ap.add_mutually_exclusive_group(required=True)
    target.add_argument("--sqlite", metavar="FILE", help="SQLite file to write (created if missing)")
    target.add_argument("--postgres", metavar="URL", help="PostgreSQL URL, e.g. postgres://root@127.0.0.1:5432/saas")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every workspace's companies (default 1.0)")
    args = ap.parse_args()
    if args.scale <= 0:
        ap.error("--scale must be positive")
    workspaces, gen = generate(args.scale)
    if args.sqlite:
        write_sqlite(args.sqlite, workspaces, gen)
        where = args.sqlite
    else:
        write_postgres(args.postgres, workspaces, gen)
        where = args.postgres.rsplit("@", 1)[-1]
    counts = {t: sum(1 for _ in rows_of(workspaces, gen, t)) for t in ORDER}
    per = ", ".join(f"{w.wid[:8]}: {len(w.events)}" for w in gen)
    print(f"seeded {where}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"events per workspace: {per}")


if __name__ == "__main__":
    sys.exit(main())
