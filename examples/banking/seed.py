#!/usr/bin/env python3
"""Writes the banking example: a retail-banking SaaS vendor's database.

The vendor runs a core-banking portal for several small banks (its tenants).
Every table carries `bank_id`, the tenant column. Money is stored in euro
cents (BIGINT): `transactions.amount_cents` is signed (debits negative) and in
the bank's reporting currency (EUR), converted at booking for the few accounts
held in another currency; `balances.balance_cents` likewise.

Tables
  banks         one bank (tenant): bank_id, name, tier (free, pro, enterprise)
  clients       one client of a bank (person or business)
  accounts      one account of a client (checking, savings, credit_card, mortgage)
  transactions  one booking on an account, 2024-01-01 .. 2025-12-31
  balances      one account at one month end (2024-01-31 .. 2025-12-31): a
                snapshot, so balances never add up over dates. Month-end
                snapshots keep the table small (about 24 rows per account)
                while covering the whole two years; an account has a row for
                every month end it was open on. The balance is the opening
                balance plus the booked transactions up to that day.

Usage
  python3 examples/banking/seed.py --sqlite FILE [--scale 1.0]
  python3 examples/banking/seed.py --postgres URL [--scale 1.0]

The output is a pure function of --scale (random.Random with fixed seeds,
one per bank). It drops and re-creates its own five tables and nothing else.
At scale 1.0 the biggest bank has about 300,000 transactions; --scale
multiplies the number of clients of every bank. Standard library only; the
PostgreSQL path pipes COPY ... FROM STDIN into `psql`.
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

SEED = 20240101
START = dt.date(2024, 1, 1)
END = dt.date(2025, 12, 31)

# bank_id, name, tier, clients at scale 1.0, home country
BANKS = [
    (1, "Northbridge Savings Bank", "pro", 520, "Germany"),
    (2, "Harbour Lane Credit Union", "free", 110, "Ireland"),
    (3, "Alpenrose Privatbank", "enterprise", 830, "Austria"),
    (4, "Meridian Community Bank", "pro", 300, "Netherlands"),
    (5, "Copperleaf Digital Bank", "enterprise", 640, "France"),
    (6, "Riverbend Cooperative Bank", "free", 55, "Belgium"),
    (7, "Solano Banco Regional", "pro", 210, "Spain"),
]

CITIES = {
    "Germany": ["Berlin", "Munich", "Hamburg"],
    "France": ["Paris", "Lyon", "Marseille"],
    "Netherlands": ["Amsterdam", "Rotterdam", "Utrecht"],
    "Belgium": ["Brussels", "Antwerp", "Ghent"],
    "Spain": ["Madrid", "Barcelona", "Valencia"],
    "Italy": ["Rome", "Milan", "Turin"],
    "Austria": ["Vienna", "Graz", "Salzburg"],
    "Ireland": ["Dublin", "Cork", "Galway"],
}
EVERY_CITY = [(country, city) for country, cities in CITIES.items() for city in cities]
PHONE_PREFIX = {
    "Germany": "+49", "France": "+33", "Netherlands": "+31", "Belgium": "+32",
    "Spain": "+34", "Italy": "+39", "Austria": "+43", "Ireland": "+353",
}
FIRST = ["Anna", "Lukas", "Marie", "Jonas", "Sofia", "Paul", "Emma", "Felix", "Lea", "Noah",
         "Clara", "Elias", "Julia", "Leon", "Mia", "Hugo", "Chloe", "Louis", "Ines", "Mateo",
         "Lucia", "Pablo", "Giulia", "Marco", "Sara", "Luca", "Sean", "Aoife", "Ciara", "Conor",
         "Daan", "Sanne", "Bram", "Fleur", "Lotte", "Ruben", "Eva", "Tom", "Nina", "David"]
LAST = ["Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Garcia", "Martinez",
        "Lopez", "Sanchez", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Murphy",
        "Kelly", "Byrne", "Ryan", "de Jong", "Jansen", "de Vries", "Bakker", "Visser",
        "Peeters", "Janssens", "Maes", "Gruber", "Huber", "Bauer", "Wagner", "Hofer"]
TRADES = ["Logistics", "Bakery", "Consulting", "Architects", "Dental Care", "Motors",
          "Software", "Interiors", "Catering", "Print Shop", "Pharmacy", "Builders"]
FORMS = ["GmbH", "SARL", "BV", "SL", "Ltd", "SRL"]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example"]

SEGMENTS = [("retail", 0.80), ("private", 0.07), ("business", 0.13)]
KYC = [("verified", 0.88), ("pending", 0.05), ("expired", 0.05), ("rejected", 0.02)]
CURRENCIES = [("EUR", 0.88), ("USD", 0.05), ("GBP", 0.04), ("CHF", 0.03)]

CARD_CATEGORIES = [  # category, weight, typical amount (EUR), spread
    ("groceries", 30, 45.0, 0.6), ("restaurants", 15, 32.0, 0.6),
    ("shopping", 15, 60.0, 0.8), ("transport", 10, 14.0, 0.7),
    ("fuel", 8, 62.0, 0.3), ("entertainment", 8, 28.0, 0.6),
    ("health", 6, 38.0, 0.7), ("travel", 8, 240.0, 0.8),
]
DEBIT_CATEGORIES = [  # category, monthly rate, typical amount, spread
    ("utilities", 1.0, 95.0, 0.4), ("telecom", 1.0, 39.0, 0.3),
    ("insurance", 0.5, 85.0, 0.5), ("subscriptions", 1.6, 12.0, 0.4),
]
ATM_AMOUNTS = [20, 40, 50, 50, 100, 100, 100, 150, 200, 200, 300, 400]

TABLES = ["balances", "transactions", "accounts", "clients", "banks"]  # drop order


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


def cents(euros: float) -> int:
    return int(round(euros * 100))


def lognormal(rng: random.Random, typical: float, spread: float) -> float:
    return typical * math.exp(rng.gauss(0.0, spread))


def rand_date(rng: random.Random, a: dt.date, b: dt.date) -> dt.date:
    return a + dt.timedelta(days=rng.randint(0, max(0, (b - a).days)))


def months():
    y, m = START.year, START.month
    while (y, m) <= (END.year, END.month):
        first = dt.date(y, m, 1)
        last = dt.date(y, m, calendar.monthrange(y, m)[1])
        yield first, last
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def at(day: dt.date, rng: random.Random, lo_h: int, hi_h: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, rng.randint(lo_h, hi_h),
                       rng.randint(0, 59), rng.randint(0, 59))


class Ids:
    def __init__(self):
        self.client = 0
        self.account = 0
        self.txn = 0


class Bank:
    """Generates one bank's rows; every list holds tuples in DDL column order."""

    def __init__(self, bank_id, n_clients, home, ids: Ids):
        self.bank_id = bank_id
        self.rng = random.Random(SEED + bank_id)
        self.home = home
        self.ids = ids
        self.n_clients = n_clients
        self.clients, self.accounts, self.transactions, self.balances = [], [], [], []
        self.open_accounts = 0

    # ---- clients and accounts -------------------------------------------------
    def make_clients(self):
        rng = self.rng
        countries = list(CITIES)
        for i in range(self.n_clients):
            self.ids.client += 1
            cid = self.ids.client
            segment = weighted(rng, SEGMENTS)
            country = self.home if rng.random() < 0.62 else rng.choice(countries)
            city = weighted(rng, list(zip(CITIES[country], [0.5, 0.3, 0.2])))
            if i < len(EVERY_CITY):  # every bank has every city (the catalog lists them)
                country, city = EVERY_CITY[i]
            first, last = rng.choice(FIRST), rng.choice(LAST)
            if segment == "business":
                name = f"{last} {rng.choice(TRADES)} {rng.choice(FORMS)}"
                local = f"info.{last.replace(' ', '').lower()}{cid}"
            else:
                name = f"{first} {last}"
                local = f"{first.lower()}.{last.replace(' ', '').lower()}{cid % 97}"
            email = f"{local}@{rng.choice(DOMAINS)}" if rng.random() < 0.96 else None
            phone = (f"{PHONE_PREFIX[country]} {rng.randint(100, 999)} {rng.randint(1000000, 9999999)}"
                     if rng.random() < 0.9 else None)
            if rng.random() < 0.68:
                joined = rand_date(rng, dt.date(2012, 1, 1), dt.date(2023, 12, 31))
            else:  # growth: more new clients later
                joined = START + dt.timedelta(days=int((END - START).days * math.sqrt(rng.random())))
            kyc = weighted(rng, KYC)
            if joined > dt.date(2025, 9, 30) and rng.random() < 0.5:
                kyc = "pending"
            consent = rng.random() < (0.55 if segment == "retail" else 0.7)
            self.clients.append((cid, self.bank_id, name, email, phone, city, country, segment,
                                 kyc, consent, joined))
            yield cid, segment, kyc, joined

    def make_accounts(self, cid, segment, kyc, joined):
        """The client's accounts: (account_id, product, opened, closed, status)."""
        rng = self.rng
        if kyc == "rejected" or (kyc == "pending" and joined > dt.date(2025, 6, 30)):
            return []
        wants = {
            "checking": 1.0 if segment == "business" else 0.93,
            "savings": {"retail": 0.45, "private": 0.9, "business": 0.35}[segment],
            "credit_card": {"retail": 0.33, "private": 0.75, "business": 0.5}[segment],
            "mortgage": {"retail": 0.10, "private": 0.25, "business": 0.0}[segment],
        }
        out = []
        for product, p in wants.items():
            if rng.random() >= p:
                continue
            if product == "checking":
                opened = joined + dt.timedelta(days=rng.randint(0, 20))
            else:
                opened = rand_date(rng, joined, joined + dt.timedelta(days=rng.randint(30, 2200)))
            if opened > END:
                continue
            closed = None
            r = rng.random()
            if r < 0.05 and opened < dt.date(2023, 6, 1):
                closed = rand_date(rng, opened + dt.timedelta(days=60), dt.date(2023, 12, 31))
            elif r < 0.13:
                lo = max(opened + dt.timedelta(days=45), START + dt.timedelta(days=10))
                if lo < END:
                    closed = rand_date(rng, lo, END)
            if closed:
                status = "closed"
            else:  # by position, so that every bank has every status
                self.open_accounts += 1
                k = self.open_accounts
                status = "frozen" if k % 40 == 17 else "dormant" if k % 16 == 5 else "active"
            currency = "EUR" if product == "mortgage" else weighted(rng, CURRENCIES)
            self.ids.account += 1
            aid = self.ids.account
            self.accounts.append((aid, self.bank_id, cid, product, currency, opened, closed, status))
            out.append((aid, product, opened, closed, status))
        return out

    # ---- transactions and balances --------------------------------------------
    def run(self):
        for cid, segment, kyc, joined in list(self.make_clients()):
            accounts = self.make_accounts(cid, segment, kyc, joined)
            if accounts:
                self.simulate(segment, accounts)

    def simulate(self, segment, accounts):
        rng = self.rng
        act = math.exp(rng.gauss(0, 0.35))  # how busy this client is
        income = {"retail": lognormal(rng, 2700, 0.3), "private": lognormal(rng, 11000, 0.4),
                  "business": lognormal(rng, 16000, 0.6)}[segment]
        has_salary = segment != "business" and rng.random() < 0.86
        pays_rent = rng.random() < 0.7  # a standing order (rent; payroll for businesses)
        rent_share = rng.uniform(0.45, 0.6) if segment == "business" else rng.uniform(0.25, 0.4)
        by = {}
        for a in accounts:
            by.setdefault(a[1], a)
        bal = {}
        for aid, product, opened, closed, status in accounts:
            if opened >= START:
                bal[aid] = 0
            elif product == "checking":
                bal[aid] = cents(lognormal(rng, income * 1.2, 0.6))
            elif product == "savings":
                bal[aid] = cents(lognormal(rng, income * 6, 0.8))
            elif product == "credit_card":
                bal[aid] = -cents(rng.uniform(0, 1500))
            else:
                bal[aid] = -cents(rng.uniform(60000, 380000))
        card_spend_prev = {a[0]: 0 for a in accounts if a[1] == "credit_card"}
        mortgage_payment = cents(rng.uniform(600, 2400))

        for m_first, m_last in months():
            ev = []  # (datetime, account_id, cents, kind, category, channel)
            live = {}
            for a in accounts:
                aid, product, opened, closed, status = a
                lo = max(m_first, opened)
                hi = min(m_last, closed) if closed else m_last
                if lo > hi:
                    continue
                quiet = 0.08 if status in ("dormant", "frozen") else 1.0
                if status == "dormant" and m_first >= dt.date(2024, 9, 1):
                    quiet = 0.0
                live[product] = (aid, lo, hi, quiet)
                if product == "mortgage" and opened >= m_first and opened >= START:
                    ev.append((at(opened, rng, 9, 16), aid, -cents(rng.uniform(90000, 420000)),
                               "transfer", None, "branch"))
            season = 1.25 if m_first.month in (7, 8, 12) else 1.0

            if "checking" in live:
                aid, lo, hi, q = live["checking"]
                k = act * q
                if has_salary and q > 0.5:
                    d = min(hi, dt.date(m_first.year, m_first.month, min(m_last.day, 27)))
                    if d >= lo:
                        extra = 1.0 + (0.8 if m_first.month == 12 and rng.random() < 0.4 else 0.0)
                        ev.append((at(d, rng, 5, 7), aid, cents(income * extra * rng.uniform(0.98, 1.02)),
                                   "salary", None, "system"))
                n_in = poisson(rng, (5.0 if segment == "business" else 0.6) * k)
                for _ in range(n_in):
                    amt = income / 5 * math.exp(rng.gauss(0, 0.5)) if segment == "business" \
                        else lognormal(rng, 180, 0.9)
                    ev.append((at(rand_date(rng, lo, hi), rng, 7, 21), aid, cents(amt), "transfer", None,
                               weighted(rng, [("app", 5), ("web", 4), ("branch", 1)])))
                self.cards(ev, aid, lo, hi, k * season * (1.6 if segment == "business" else 1.0), income)
                for cat, rate, typical, spread in DEBIT_CATEGORIES:
                    for _ in range(poisson(rng, rate * min(q, 1.0))):
                        ev.append((at(rand_date(rng, lo, hi), rng, 3, 6), aid,
                                   -cents(lognormal(rng, typical, spread)), "direct_debit", cat, "system"))
                if q > 0.5 and (segment == "business" or ("mortgage" not in live and pays_rent)):
                    d = max(lo, min(hi, m_first + dt.timedelta(days=27 if segment == "business" else 0)))
                    ev.append((at(d, rng, 1, 3), aid, -cents(income * rent_share), "transfer", None, "system"))
                for _ in range(poisson(rng, 1.6 * k)):
                    amt = lognormal(rng, income * 0.11, 0.8)
                    ev.append((at(rand_date(rng, lo, hi), rng, 7, 22), aid, -cents(amt), "transfer", None,
                               weighted(rng, [("app", 6), ("web", 3), ("branch", 1)])))
                for _ in range(poisson(rng, 1.4 * k)):
                    ev.append((at(rand_date(rng, lo, hi), rng, 7, 23), aid, -cents(rng.choice(ATM_AMOUNTS)),
                               "atm", None, "atm"))
                    if rng.random() < 0.08:
                        ev.append((at(rand_date(rng, lo, hi), rng, 7, 23), aid, -250, "fee", None, "atm"))
                # keep balances plausible: top up deep overdrafts, move idle cash out
                if bal[aid] < -cents(income * 0.3) and q > 0.5:
                    ev.append((at(rand_date(rng, lo, hi), rng, 8, 18), aid, cents(-bal[aid] / 100 * 0.8),
                               "transfer", None, weighted(rng, [("app", 2), ("web", 1), ("branch", 1)])))
                elif bal[aid] > cents(income * 6) and "savings" not in live and q > 0.5:
                    ev.append((at(rand_date(rng, lo, hi), rng, 8, 18), aid, -cents(bal[aid] / 100 * 0.4),
                               "transfer", None, weighted(rng, [("app", 2), ("web", 1), ("branch", 1)])))
                if "savings" in live:
                    sid = live["savings"][0]
                    extra = max(0, bal[aid] - cents(income * 2.5)) // 2
                    c = cents(income * rng.uniform(0.03, 0.12)) + extra
                    d = max(lo, live["savings"][1], min(hi, m_first + dt.timedelta(days=2)))
                    if d <= min(hi, live["savings"][2]) and q > 0.5 and bal[aid] > c:
                        t = at(d, rng, 1, 2)
                        ev.append((t, aid, -c, "transfer", None, "system"))
                        ev.append((t, sid, c, "transfer", None, "system"))
                if "mortgage" in live:
                    mid, mlo, mhi, _ = live["mortgage"]
                    d = max(lo, mlo, m_first)
                    if d <= min(hi, mhi):
                        t = at(d, rng, 1, 2)
                        ev.append((t, aid, -mortgage_payment, "transfer", None, "system"))
                        ev.append((t, mid, mortgage_payment, "transfer", None, "system"))

            if "savings" in live:
                sid, lo, hi, q = live["savings"]
                if rng.random() < 0.15 * q:
                    amt = cents(lognormal(rng, income * 0.8, 0.6))
                    amt = min(amt, max(0, bal[sid]))
                    if amt > 0:
                        t = at(rand_date(rng, lo, hi), rng, 8, 21)
                        ev.append((t, sid, -amt, "transfer", None, weighted(rng, [("app", 3), ("web", 2), ("branch", 1)])))
                        if "checking" in live and live["checking"][1] <= t.date() <= live["checking"][2]:
                            ev.append((t, live["checking"][0], amt, "transfer", None, "system"))

            if "credit_card" in live:
                cc, lo, hi, q = live["credit_card"]
                self.cards(ev, cc, lo, hi, act * q * season * 0.8, income)
                owed = card_spend_prev[cc]
                if owed > 0:
                    share = 1.0 if rng.random() < 0.7 else rng.uniform(0.3, 0.6)
                    pay = int(owed * share)
                    d = max(lo, min(hi, m_first + dt.timedelta(days=4)))
                    t = at(d, rng, 1, 2)
                    ev.append((t, cc, pay, "transfer", None, "system"))
                    if "checking" in live and live["checking"][1] <= d <= live["checking"][2]:
                        ev.append((t, live["checking"][0], -pay, "transfer", None, "system"))
                opened = [a for a in accounts if a[0] == cc][0][2]
                if opened.month == m_first.month and opened.year < m_first.year:
                    ev.append((at(max(lo, min(hi, m_first + dt.timedelta(days=opened.day - 1))), rng, 0, 1),
                               cc, -4900, "fee", None, "system"))

            self.book(ev, accounts, bal, live, card_spend_prev, m_first, m_last, segment)

    def cards(self, ev, aid, lo, hi, k, income):
        rng = self.rng
        scale = max(0.6, min(3.0, income / 2700)) ** 0.5
        for cat, w, typical, spread in CARD_CATEGORIES:
            rate = 6.0 * w / 100 * k * (1.8 if cat == "travel" and lo.month in (7, 8) else 1.0)
            for _ in range(poisson(rng, rate)):
                amt = lognormal(rng, typical * scale, spread)
                channel = weighted(rng, [("pos", 70), ("web", 25), ("app", 5)])
                if cat in ("fuel", "groceries") and channel == "web" and rng.random() < 0.7:
                    channel = "pos"
                ev.append((at(rand_date(rng, lo, hi), rng, 7, 22), aid, -cents(amt), "card", cat, channel))

    def book(self, ev, accounts, bal, live, card_spend_prev, m_first, m_last, segment):
        """Statuses, value dates, month-end interest and fees, closures, the snapshot."""
        rng = self.rng
        ev.sort(key=lambda e: (e[0], e[1]))
        for cc in card_spend_prev:
            card_spend_prev[cc] = 0
        for t, aid, amount, kind, cat, channel in ev:
            status = "booked"
            if kind in ("card", "transfer") and channel != "system":
                r = rng.random()
                recent = t.date() >= dt.date(2025, 12, 27)
                if r < (0.25 if recent else 0.004):
                    status = "pending"
                elif r < (0.25 if recent else 0.004) + (0.03 if kind == "card" else 0.01):
                    status = "reversed"
            self.txn(aid, t, amount, kind, cat, channel, status)
            if status == "booked":
                bal[aid] += amount
                if aid in card_spend_prev and kind == "card":
                    card_spend_prev[aid] -= amount
        # month-end postings, in account order
        for aid, product, opened, closed, status in accounts:
            if product not in live or live[product][0] != aid:
                continue
            hi = live[product][2]
            end_t = dt.datetime(hi.year, hi.month, hi.day, 23, rng.randint(0, 30), rng.randint(0, 59))
            if product == "checking":
                fee = {"retail": 490, "private": 0, "business": 1490}[segment]
                if fee and hi == m_last:
                    self.post(bal, aid, end_t, -fee, "fee")
                if bal[aid] < 0:
                    self.post(bal, aid, end_t, -1200, "fee")
                    self.post(bal, aid, end_t, -int(-bal[aid] * 0.11 / 12), "interest")
            elif product == "savings" and m_last.month in (3, 6, 9, 12) and hi == m_last and bal[aid] > 0:
                self.post(bal, aid, end_t, int(bal[aid] * 0.018 / 4), "interest")
            elif product == "credit_card" and bal[aid] < -card_spend_prev[aid] and bal[aid] < 0:
                unpaid = -bal[aid] - card_spend_prev[aid]
                if unpaid > 0:
                    self.post(bal, aid, end_t, -int(unpaid * 0.17 / 12), "interest")
            elif product == "mortgage" and bal[aid] < 0:
                self.post(bal, aid, end_t, -int(-bal[aid] * 0.034 / 12), "interest")
            if closed and closed == hi and bal[aid] != 0:
                self.txn(aid, end_t + dt.timedelta(minutes=20), -bal[aid], "transfer", None, "branch", "booked")
                bal[aid] = 0
            if closed is None or closed > m_last:
                self.balances.append((self.bank_id, aid, m_last, bal[aid]))

    def post(self, bal, aid, t, amount, kind):
        if amount == 0:
            return
        self.txn(aid, t, amount, kind, None, "system", "booked")
        bal[aid] += amount

    def txn(self, aid, t, amount, kind, cat, channel, status):
        self.ids.txn += 1
        lag = 0
        if kind == "card":
            lag = self.rng.choice([0, 1, 1, 1, 2])
        elif kind == "transfer" and channel in ("app", "web"):
            lag = self.rng.choice([0, 0, 1])
        value = t.date() + dt.timedelta(days=lag)
        self.transactions.append((self.ids.txn, self.bank_id, aid, t, value, amount, kind, cat,
                                  channel, status))


def generate(scale: float):
    ids = Ids()
    banks, out = [], []
    for bank_id, name, tier, n, home in BANKS:
        banks.append((bank_id, name, tier))
        b = Bank(bank_id, max(5, int(round(n * scale))), home, ids)
        b.run()
        out.append(b)
    return banks, out


# ---- writers ---------------------------------------------------------------

SQLITE_DDL = """
CREATE TABLE banks (
  bank_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  tier TEXT NOT NULL CHECK (tier IN ('free', 'pro', 'enterprise'))
);
CREATE TABLE clients (
  client_id INTEGER PRIMARY KEY,
  bank_id INTEGER NOT NULL REFERENCES banks(bank_id),
  full_name TEXT NOT NULL,
  email TEXT,
  phone TEXT,
  city TEXT NOT NULL,
  country TEXT NOT NULL,
  segment TEXT NOT NULL,
  kyc_status TEXT NOT NULL,
  marketing_consent BOOLEAN NOT NULL,
  joined_on DATE NOT NULL
);
CREATE TABLE accounts (
  account_id INTEGER PRIMARY KEY,
  bank_id INTEGER NOT NULL REFERENCES banks(bank_id),
  client_id INTEGER NOT NULL REFERENCES clients(client_id),
  product TEXT NOT NULL,
  currency TEXT NOT NULL,
  opened_on DATE NOT NULL,
  closed_on DATE,
  status TEXT NOT NULL
);
CREATE TABLE transactions (
  txn_id INTEGER PRIMARY KEY,
  bank_id INTEGER NOT NULL REFERENCES banks(bank_id),
  account_id INTEGER NOT NULL REFERENCES accounts(account_id),
  booked_at TIMESTAMP NOT NULL,
  value_date DATE NOT NULL,
  amount_cents BIGINT NOT NULL,
  kind TEXT NOT NULL,
  merchant_category TEXT,
  channel TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE TABLE balances (
  bank_id INTEGER NOT NULL REFERENCES banks(bank_id),
  account_id INTEGER NOT NULL REFERENCES accounts(account_id),
  balance_date DATE NOT NULL,
  balance_cents BIGINT NOT NULL,
  PRIMARY KEY (account_id, balance_date)
);
CREATE INDEX clients_bank ON clients(bank_id);
CREATE INDEX accounts_bank ON accounts(bank_id);
CREATE INDEX transactions_bank ON transactions(bank_id);
CREATE INDEX balances_bank ON balances(bank_id);
"""

# The same text is valid PostgreSQL: INTEGER, BIGINT, TEXT, BOOLEAN, DATE, TIMESTAMP.
PG_DDL = SQLITE_DDL


def iso(v):
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def rows_of(banks, gen, table):
    if table == "banks":
        yield from banks
        return
    for b in gen:
        yield from getattr(b, table)


def write_sqlite(path, banks, gen):
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = OFF")
    for t in TABLES:
        con.execute(f"DROP TABLE IF EXISTS {t}")
    con.executescript(SQLITE_DDL)
    order = ["banks", "clients", "accounts", "transactions", "balances"]
    for t in order:
        width = len(con.execute(f"SELECT * FROM {t} LIMIT 0").description)
        marks = ",".join("?" * width)
        con.executemany(f"INSERT INTO {t} VALUES ({marks})",
                        (tuple(int(v) if isinstance(v, bool) else iso(v) for v in r)
                         for r in rows_of(banks, gen, t)))
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


def write_postgres(url, banks, gen):
    proc = subprocess.Popen(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", "-"],
                            stdin=subprocess.PIPE, text=True)
    w = proc.stdin
    w.write("SET client_min_messages = warning;\nBEGIN;\n")
    for t in TABLES:
        w.write(f"DROP TABLE IF EXISTS {t} CASCADE;\n")
    w.write(PG_DDL)
    for t in ["banks", "clients", "accounts", "transactions", "balances"]:
        w.write(f"COPY {t} FROM STDIN WITH (FORMAT csv);\n")
        for r in rows_of(banks, gen, t):
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
    target.add_argument("--postgres", metavar="URL", help="PostgreSQL URL, e.g. postgres://root@127.0.0.1:5432/bank")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every bank's clients (default 1.0)")
    args = ap.parse_args()
    if args.scale <= 0:
        ap.error("--scale must be positive")
    banks, gen = generate(args.scale)
    if args.sqlite:
        write_sqlite(args.sqlite, banks, gen)
        where = args.sqlite
    else:
        write_postgres(args.postgres, banks, gen)
        where = args.postgres.rsplit("@", 1)[-1]
    counts = {t: sum(1 for _ in rows_of(banks, gen, t)) for t in ["banks", "clients", "accounts", "transactions", "balances"]}
    per_bank = ", ".join(f"{b.bank_id}: {len(b.transactions)}" for b in gen)
    print(f"seeded {where}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(f"transactions per bank: {per_bank}")


if __name__ == "__main__":
    sys.exit(main())
