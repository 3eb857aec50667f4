"""The real CoinGecko clients against a running krispyto, every value compared with the CSV.

Calls the same named requests through pycoingecko 3.2.0 and the official coingecko-sdk 4.3.0
(with _strict_response_validation=True: every answer must fit the SDK's models), reads the
answers the official TypeScript SDK got for the same requests (ts_calls.mjs, run before), and
checks each against oracles computed here from the Kaggle CSV files, the rules of
shared/COINGECKO.md: the close of day D is observed at D+1 00:00 UTC, windows hold N+1 days,
4-day candles are counted back from the latest day, cross rates divide by the other coin's
close of the same day.

Usage: check_clients.py BASE_URL DATA_DIR TS_RESULTS_JSON
"""

import csv
import datetime as dt
import glob
import json
import math
import os
import sys

BASE, DATA, TS_RESULTS = sys.argv[1], sys.argv[2], sys.argv[3]

KNOWN_IDS = {
    "Bitcoin": "bitcoin", "Ethereum": "ethereum", "Tether": "tether", "USD Coin": "usd-coin",
    "Binance Coin": "binancecoin", "Cardano": "cardano", "XRP": "ripple", "Dogecoin": "dogecoin",
    "Polkadot": "polkadot", "Uniswap": "uniswap", "Solana": "solana", "Litecoin": "litecoin",
    "Chainlink": "chainlink", "Wrapped Bitcoin": "wrapped-bitcoin", "Stellar": "stellar",
    "TRON": "tron", "EOS": "eos", "Monero": "monero", "Crypto.com Coin": "crypto-com-chain",
    "Aave": "aave", "Cosmos": "cosmos", "IOTA": "iota", "NEM": "nem",
}

# ---------------------------------------------------------------- the data and the oracles

COINS = {}  # id -> {"name", "symbol", "rows": {date: (open, high, low, close, volume, cap)}}
for path in sorted(glob.glob(os.path.join(DATA, "*.csv"))):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    name = rows[0]["Name"]
    COINS[KNOWN_IDS[name]] = {
        "name": name,
        "symbol": rows[0]["Symbol"].lower(),
        "rows": {
            dt.date.fromisoformat(r["Date"][:10]): tuple(
                float(r[k]) for k in ("Open", "High", "Low", "Close", "Volume", "Marketcap")
            )
            for r in rows
        },
    }
BY_SYMBOL = {c["symbol"]: cid for cid, c in COINS.items()}
LATEST = max(max(c["rows"]) for c in COINS.values())
DAY = dt.timedelta(days=1)
OPEN, HIGH, LOW, CLOSE, VOLUME, CAP = range(6)


def ms(day):
    """The instant record `day` is observed: the next midnight, UTC, in milliseconds."""
    return int(dt.datetime.combine(day + DAY, dt.time(), dt.timezone.utc).timestamp()) * 1000


def iso(day):
    return (day + DAY).isoformat() + "T00:00:00.000Z"


def record(cid, day, vs="usd"):
    """The record of `day` with every amount in `vs`, or None."""
    row = COINS[cid]["rows"].get(day)
    if row is None:
        return None
    if vs == "usd":
        return row
    quote = COINS[BY_SYMBOL[vs]]["rows"].get(day)
    if quote is None or quote[CLOSE] <= 0:
        return None
    return tuple(v / quote[CLOSE] for v in row)


def days_between(first, last):
    d = first
    while d <= last:
        yield d
        d += DAY


def first_day(days):
    return min(min(c["rows"]) for c in COINS.values()) if days == "max" else LATEST - days * DAY


def chart_oracle(cid, vs, first, last):
    out = {"prices": [], "market_caps": [], "total_volumes": []}
    for d in days_between(first, last):
        r = record(cid, d, vs)
        if r:
            out["prices"].append([ms(d), r[CLOSE]])
            out["market_caps"].append([ms(d), r[CAP]])
            out["total_volumes"].append([ms(d), r[VOLUME]])
    return out


def candles_oracle(cid, vs, first, last, four_day):
    blocks = {}
    for d in days_between(first, last):
        r = record(cid, d, vs)
        if r:
            key = (LATEST - d).days // 4 if four_day else d
            blocks.setdefault(key, []).append((d, r))
    out = []
    for key in sorted(blocks, key=lambda k: blocks[k][0][0]):
        days = blocks[key]
        out.append([ms(days[-1][0]), days[0][1][OPEN], max(r[HIGH] for _, r in days),
                    min(r[LOW] for _, r in days), days[-1][1][CLOSE]])
    return out


def extremes_oracle(cid, vs, up_to=LATEST):
    closes = [(d, r[CLOSE]) for d in sorted(COINS[cid]["rows"]) if d <= up_to
              for r in [record(cid, d, vs)] if r]
    high = max(closes, key=lambda x: (x[1], -x[0].toordinal()))
    low = min(closes, key=lambda x: (x[1], x[0].toordinal()))
    return high, low


def pct(now, then):
    return None if now is None or then in (None, 0) else (now - then) / then * 100


def change_oracle(cid, vs, back, day=LATEST):
    now, then = record(cid, day, vs), record(cid, day - back * DAY, vs)
    return pct(now and now[CLOSE], then and then[CLOSE])


def rank_oracle(day=LATEST):
    caps = sorted(((COINS[c]["rows"][day][CAP], COINS[c]["name"], c) for c in COINS
                   if day in COINS[c]["rows"] and COINS[c]["rows"][day][CAP] > 0),
                  key=lambda x: (-x[0], x[1].lower(), x[1]))
    return {c: i + 1 for i, (_, _, c) in enumerate(caps)}


# ---------------------------------------------------------------- comparing

FAILURES = []
CHECKS = [0]


def same(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
        return as_instant(a) == as_instant(b)
    return a == b


def as_instant(v):
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return dt.datetime.fromisoformat(v.replace("Z", "")) if isinstance(v, str) else v


def expect(client, what, got, want):
    CHECKS[0] += 1
    if not same(got, want):
        FAILURES.append(f"[{client}] {what}: got {str(got)[:300]}, want {str(want)[:300]}")


def expect_date(client, what, got, day):
    CHECKS[0] += 1
    if got is None or as_instant(got) != as_instant(iso(day)):
        FAILURES.append(f"[{client}] {what}: got {got}, want {iso(day)}")


# ---------------------------------------------------------------- the requests

PCT = "1h,24h,7d,14d,30d,200d,1y"
GAP_FROM, GAP_TO = 1401840000, 1402272000  # 2014-06-04 .. 2014-06-09 00:00 UTC


def pycoingecko_calls():
    from pycoingecko import CoinGeckoAPI

    cg = CoinGeckoAPI(demo_api_key="any-key")
    cg.api_base_url = BASE + "/api/v3/"
    r = {
        "ping": cg.ping(),
        "supported": cg.get_supported_vs_currencies(),
        "list_platform": cg.get_coins_list(include_platform=True),
        "markets_usd": cg.get_coins_markets(vs_currency="usd", ids=["bitcoin", "ethereum", "monero", "tether"],
                                            price_change_percentage=PCT, sparkline=True),
        "markets_btc": cg.get_coins_markets(vs_currency="btc", per_page=250),
        "markets_page": cg.get_coins_markets(vs_currency="usd", order="id_asc", per_page=5, page=2),
        "markets_names": cg.get_coins_markets(vs_currency="usd", names="Crypto.com Coin,TRON"),
        "markets_symbols": cg.get_coins_markets(vs_currency="usd", symbols=["btc", "miota"]),
        "coin_bitcoin": cg.get_coin_by_id("bitcoin"),
        "coin_sparkline": cg.get_coin_by_id("monero", sparkline=True, tickers=False),
        "history_gap_dmy": cg.get_coin_history_by_id("monero", "06-06-2014"),
        "history_ok_dmy": cg.get_coin_history_by_id("monero", "05-06-2014"),
        "history_gap_ymd": cg.get_coin_history_by_id("tether", "2015-02-28"),
        "history_latest_ymd": cg.get_coin_history_by_id("bitcoin", (LATEST + DAY).isoformat()),
        "chart_eth_btc_30": cg.get_coin_market_chart_by_id("ethereum", "btc", 30),
        "range_monero": cg.get_coin_market_chart_range_by_id("monero", "usd", GAP_FROM, GAP_TO),
        "range_tether_iso": cg.get_coin_market_chart_range_by_id("tether", "usd", "2015-02-25", "2015-03-03"),
        "ohlc_daily_90": cg.get_coin_ohlc_by_id("bitcoin", "usd", 90, interval="daily"),
        "ohlc_eth_btc_365": cg.get_coin_ohlc_by_id("ethereum", "btc", 365),
        "ohlc_range": cg.get_coin_ohlc_by_id_range("bitcoin", "usd", "2021-06-01", "2021-07-07", "daily"),
        "price": cg.get_price(ids=["bitcoin", "ethereum", "monero"], vs_currencies=["usd", "btc", "eth"],
                              include_market_cap=True, include_24hr_vol=True, include_24hr_change=True,
                              include_last_updated_at=True),
        "price_precision": cg.get_price(ids="bitcoin", vs_currencies="usd", precision=2),
        "search_bit": cg.search("bit"),
        "search_xrp": cg.search("xrp"),
        "search_ripple": cg.search("ripple"),
    }
    for days in (1, 7, 30, 90, "max"):
        r[f"chart_{days}"] = cg.get_coin_market_chart_by_id("bitcoin", "usd", days)
        r[f"ohlc_{days}"] = cg.get_coin_ohlc_by_id("bitcoin", "usd", days)

    def error(call):
        try:
            call()
        except ValueError as e:  # pycoingecko's error: ValueError carrying the JSON body
            return {"raised": "ValueError", "body": e.args[0]}
        return {"raised": None}

    r["err_not_found"] = error(lambda: cg.get_coin_by_id("no-such-coin"))
    r["err_bad_vs"] = error(lambda: cg.get_coin_market_chart_by_id("bitcoin", "eur", 1))
    r["err_bad_days"] = error(lambda: cg.get_coin_market_chart_by_id("bitcoin", "usd", 0))
    return r


def plain(x):
    if hasattr(x, "to_dict"):
        return x.to_dict(mode="json")
    if isinstance(x, list):
        return [plain(i) for i in x]
    if isinstance(x, dict):
        return {k: plain(v) for k, v in x.items()}
    return x


def sdk_calls():
    import coingecko_sdk
    from coingecko_sdk import Coingecko

    c = Coingecko(base_url=BASE + "/api/v3", demo_api_key="any-key",
                  _strict_response_validation=True, max_retries=0)
    r = {
        "ping": c.ping.get(),
        "supported": c.simple.supported_vs_currencies.get(),
        "list_platform": c.coins.list.get(include_platform=True),
        "markets_usd": c.coins.markets.get(vs_currency="usd", ids="bitcoin,ethereum,monero,tether",
                                           price_change_percentage=PCT, sparkline=True),
        "markets_btc": c.coins.markets.get(vs_currency="btc", per_page=250),
        "markets_page": c.coins.markets.get(vs_currency="usd", order="id_asc", per_page=5, page=2),
        "markets_names": c.coins.markets.get(vs_currency="usd", names="Crypto.com Coin,TRON"),
        "markets_symbols": c.coins.markets.get(vs_currency="usd", symbols="btc,miota"),
        "coin_bitcoin": c.coins.get_id("bitcoin"),
        "history_gap_dmy": c.coins.history.get("monero", date="06-06-2014"),
        "history_ok_dmy": c.coins.history.get("monero", date="05-06-2014"),
        "history_gap_ymd": c.coins.history.get("tether", date="2015-02-28"),
        "history_latest_ymd": c.coins.history.get("bitcoin", date=(LATEST + DAY).isoformat()),
        "chart_eth_btc_30": c.coins.market_chart.get("ethereum", days="30", vs_currency="btc"),
        "range_monero": c.coins.market_chart.get_range("monero", from_=str(GAP_FROM), to=str(GAP_TO),
                                                        vs_currency="usd"),
        "range_tether_iso": c.coins.market_chart.get_range("tether", from_="2015-02-25", to="2015-03-03",
                                                            vs_currency="usd"),
        "ohlc_daily_90": c.coins.ohlc.get("bitcoin", days="90", vs_currency="usd", interval="daily"),
        "ohlc_eth_btc_365": c.coins.ohlc.get("ethereum", days="365", vs_currency="btc"),
        "ohlc_range": c.coins.ohlc.get_range("bitcoin", from_="2021-06-01", to="2021-07-07",
                                             interval="daily", vs_currency="usd"),
        "price": c.simple.price.get(ids="bitcoin,ethereum,monero", vs_currencies="usd,btc,eth",
                                    include_market_cap=True, include_24hr_vol=True,
                                    include_24hr_change=True, include_last_updated_at=True),
        "price_precision": c.simple.price.get(ids="bitcoin", vs_currencies="usd", precision="2"),
        "search_bit": c.search.get(query="bit"),
        "search_xrp": c.search.get(query="xrp"),
        "search_ripple": c.search.get(query="ripple"),
    }
    for days in ("1", "7", "30", "90", "max"):
        r[f"chart_{days}"] = c.coins.market_chart.get("bitcoin", days=days, vs_currency="usd")
        r[f"ohlc_{days}"] = c.coins.ohlc.get("bitcoin", days=days, vs_currency="usd")
    r = {k: plain(v) for k, v in r.items()}

    def error(call, cls):
        try:
            call()
        except cls as e:
            return {"raised": cls.__name__, "body": e.body}
        except Exception as e:  # noqa: BLE001 - reported as a failure below
            return {"raised": type(e).__name__}
        return {"raised": None}

    r["err_not_found"] = error(lambda: c.coins.get_id("no-such-coin"), coingecko_sdk.NotFoundError)
    r["err_bad_vs"] = error(lambda: c.coins.market_chart.get("bitcoin", days="1", vs_currency="eur"),
                            coingecko_sdk.BadRequestError)
    r["err_bad_days"] = error(lambda: c.coins.market_chart.get("bitcoin", days="0", vs_currency="usd"),
                              coingecko_sdk.BadRequestError)
    return r


# ---------------------------------------------------------------- the checks

def check(client, r, error_class_names):
    expect(client, "ping", sorted(r["ping"]), ["gecko_says"])
    expect(client, "supported_vs_currencies", r["supported"],
           ["usd"] + sorted(c["symbol"] for c in COINS.values()))
    listed = {c["id"]: c for c in r["list_platform"]}
    expect(client, "coins/list ids", sorted(listed), sorted(COINS))
    for cid, c in listed.items():
        expect(client, f"coins/list {cid}", (c["symbol"], c["name"], c.get("platforms")),
               (COINS[cid]["symbol"], COINS[cid]["name"], {}))

    ranks = rank_oracle()
    for key, vs in (("markets_usd", "usd"), ("markets_btc", "btc")):
        rows = r[key]
        expect(client, f"{key} ids in market-cap order", [m["id"] for m in rows],
               sorted((c for c in COINS if LATEST in COINS[c]["rows"]) if vs == "btc"
                      else ["bitcoin", "ethereum", "monero", "tether"],
                      key=lambda c: (-COINS[c]["rows"][LATEST][CAP], c)))
        for m in rows:
            cid, today = m["id"], record(m["id"], LATEST, vs)
            yesterday = record(cid, LATEST - DAY, vs)
            expect(client, f"{key} {cid} figures",
                   [m["current_price"], m["market_cap"], m["total_volume"], m["high_24h"], m["low_24h"],
                    m["market_cap_rank"], m["price_change_24h"], m["price_change_percentage_24h"],
                    m["market_cap_change_24h"]],
                   [today[CLOSE], today[CAP], today[VOLUME], today[HIGH], today[LOW], ranks.get(cid),
                    today[CLOSE] - yesterday[CLOSE], change_oracle(cid, vs, 1),
                    today[CAP] - yesterday[CAP]])
            (hd, hv), (ld, lv) = extremes_oracle(cid, vs)
            expect(client, f"{key} {cid} ath/atl", [m["ath"], m["atl"], m["ath_change_percentage"]],
                   [hv, lv, pct(today[CLOSE], hv)])
            expect_date(client, f"{key} {cid} ath_date", m["ath_date"], hd)
            expect_date(client, f"{key} {cid} atl_date", m["atl_date"], ld)
            expect_date(client, f"{key} {cid} last_updated", m["last_updated"], LATEST)
            expect(client, f"{key} {cid} unknowns",
                   [m["circulating_supply"], m["total_supply"], m["max_supply"], m["roi"], m["image"]],
                   [None, None, None, None, ""])
            if key == "markets_usd":
                for tf, back in (("24h", 1), ("7d", 7), ("14d", 14), ("30d", 30), ("200d", 200), ("1y", 365)):
                    expect(client, f"{key} {cid} change {tf}",
                           m[f"price_change_percentage_{tf}_in_currency"], change_oracle(cid, vs, back))
                expect(client, f"{key} {cid} 1h", m["price_change_percentage_1h_in_currency"], None)
                expect(client, f"{key} {cid} sparkline", m["sparkline_in_7d"]["price"],
                       [p for _, p in chart_oracle(cid, "usd", LATEST - 7 * DAY, LATEST)["prices"]])
    expect(client, "markets id_asc page 2", [m["id"] for m in r["markets_page"]], sorted(COINS)[5:10])
    expect(client, "markets names", sorted(m["id"] for m in r["markets_names"]), ["crypto-com-chain", "tron"])
    expect(client, "markets symbols", sorted(m["id"] for m in r["markets_symbols"]), ["bitcoin", "iota"])

    coin = r["coin_bitcoin"]
    md = coin["market_data"]
    expect(client, "coin id/symbol/name/web_slug", [coin["id"], coin["symbol"], coin["name"], coin["web_slug"]],
           ["bitcoin", "btc", "Bitcoin", "bitcoin"])
    for vs in ["usd"] + [c["symbol"] for c in COINS.values()]:
        today = record("bitcoin", LATEST, vs)
        expect(client, f"coin current_price[{vs}]", md["current_price"].get(vs), today and today[CLOSE])
        (hd, hv), (ld, lv) = extremes_oracle("bitcoin", vs)
        expect(client, f"coin ath[{vs}]", md["ath"].get(vs), hv)
        expect(client, f"coin atl[{vs}]", md["atl"].get(vs), lv)
        expect_date(client, f"coin ath_date[{vs}]", md["ath_date"].get(vs), hd)
    expect(client, "coin ath = max of market_chart max", md["ath"]["usd"],
           max(p for _, p in r["chart_max"]["prices"]))
    for tf, back in (("24h", 1), ("7d", 7), ("14d", 14), ("30d", 30), ("60d", 60), ("200d", 200), ("1y", 365)):
        expect(client, f"coin price_change_percentage_{tf}", md[f"price_change_percentage_{tf}"],
               change_oracle("bitcoin", "usd", back))
    expect(client, "coin market_cap_rank", [coin["market_cap_rank"], md["market_cap_rank"]], [1, 1])
    if "coin_sparkline" in r:
        expect(client, "coin sparkline_7d", r["coin_sparkline"]["market_data"]["sparkline_7d"]["price"],
               [p for _, p in chart_oracle("monero", "usd", LATEST - 7 * DAY, LATEST)["prices"]])

    def snapshot(cid, day):
        want = {"current_price": {}, "market_cap": {}, "total_volume": {}}
        for vs in ["usd"] + [c["symbol"] for c in COINS.values()]:
            rec = record(cid, day - DAY, vs)
            if rec:
                want["current_price"][vs] = rec[CLOSE]
                want["market_cap"][vs] = rec[CAP]
                want["total_volume"][vs] = rec[VOLUME]
        return want

    for key, cid, day in (("history_gap_dmy", "monero", dt.date(2014, 6, 6)),
                          ("history_ok_dmy", "monero", dt.date(2014, 6, 5)),
                          ("history_gap_ymd", "tether", dt.date(2015, 2, 28)),
                          ("history_latest_ymd", "bitcoin", LATEST + DAY)):
        got = {k: v or {} for k, v in r[key]["market_data"].items()}
        expect(client, f"{key} market_data", got, snapshot(cid, day))
    expect(client, "history gap holds no price", r["history_gap_dmy"]["market_data"].get("current_price") or {}, {})

    for days in (1, 7, 30, 90, "max"):
        want = chart_oracle("bitcoin", "usd", first_day(days), LATEST)
        expect(client, f"market_chart days={days}", r[f"chart_{days}"], want)
        if days != "max":
            expect(client, f"market_chart days={days} length", len(r[f"chart_{days}"]["prices"]), days + 1)
        four = days == "max" or days > 30
        expect(client, f"ohlc days={days}", r[f"ohlc_{days}"],
               candles_oracle("bitcoin", "usd", first_day(days), LATEST, four))
    expect(client, "market_chart ethereum in btc", r["chart_eth_btc_30"],
           chart_oracle("ethereum", "btc", first_day(30), LATEST))
    expect(client, "market_chart/range across monero's gap", r["range_monero"],
           chart_oracle("monero", "usd", dt.date(2014, 6, 3), dt.date(2014, 6, 8)))
    expect(client, "market_chart/range across tether's gap (ISO dates)", r["range_tether_iso"],
           chart_oracle("tether", "usd", dt.date(2015, 2, 24), dt.date(2015, 3, 2)))
    expect(client, "ohlc interval=daily days=90", r["ohlc_daily_90"],
           candles_oracle("bitcoin", "usd", first_day(90), LATEST, False))
    expect(client, "ohlc ethereum in btc days=365", r["ohlc_eth_btc_365"],
           candles_oracle("ethereum", "btc", first_day(365), LATEST, True))
    expect(client, "ohlc/range daily", r["ohlc_range"],
           candles_oracle("bitcoin", "usd", dt.date(2021, 5, 31), dt.date(2021, 7, 6), False))

    for cid, entry in r["price"].items():
        for vs in ("usd", "btc", "eth"):
            today, yesterday = record(cid, LATEST, vs), record(cid, LATEST - DAY, vs)
            expect(client, f"simple/price {cid} {vs}",
                   [entry[vs], entry[f"{vs}_market_cap"], entry[f"{vs}_24h_vol"], entry[f"{vs}_24h_change"]],
                   [today[CLOSE], today[CAP], today[VOLUME], pct(today[CLOSE], yesterday[CLOSE])])
        expect(client, f"simple/price {cid} last_updated_at", entry["last_updated_at"], ms(LATEST) // 1000)
    expect(client, "simple/price ids", sorted(r["price"]), ["bitcoin", "ethereum", "monero"])
    expect(client, "simple/price precision=2", r["price_precision"]["bitcoin"]["usd"],
           round(record("bitcoin", LATEST)[CLOSE], 2))

    expect(client, "search bit", [c["id"] for c in r["search_bit"]["coins"]], ["bitcoin", "wrapped-bitcoin"])
    expect(client, "search xrp", [c["id"] for c in r["search_xrp"]["coins"]], ["ripple"])
    expect(client, "search ripple", [c["id"] for c in r["search_ripple"]["coins"]], ["ripple"])
    first = r["search_bit"]["coins"][0]
    expect(client, "search coin", [first["api_symbol"], first["symbol"], first["market_cap_rank"]],
           ["bitcoin", "BTC", 1])

    not_found, bad_request = error_class_names
    expect(client, "404 raises the client's not-found error",
           (r["err_not_found"].get("raised"), r["err_not_found"].get("body")),
           (not_found, {"error": "coin not found"}))
    expect(client, "400 invalid vs_currency raises the client's bad-request error",
           (r["err_bad_vs"].get("raised"), r["err_bad_vs"].get("body")),
           (bad_request, {"error": "invalid vs_currency"}))
    expect(client, "400 days=0 raises the client's bad-request error", r["err_bad_days"].get("raised"),
           bad_request)
    CHECKS[0] += 1
    if "'days'" not in str(r["err_bad_days"].get("body")):
        FAILURES.append(f"[{client}] days=0: the message does not name 'days': {r['err_bad_days']}")


def main():
    check("pycoingecko", pycoingecko_calls(), ("ValueError", "ValueError"))
    check("coingecko-sdk (strict)", sdk_calls(), ("NotFoundError", "BadRequestError"))
    with open(TS_RESULTS, encoding="utf-8") as f:
        ts = json.load(f)
    check("coingecko-typescript", ts, ("NotFoundError", "BadRequestError"))
    if FAILURES:
        print(f"{len(FAILURES)} of {CHECKS[0]} checks failed:")
        for failure in FAILURES:
            print("  " + failure)
        sys.exit(1)
    print(f"all {CHECKS[0]} checks passed: pycoingecko, coingecko-sdk (strict), coingecko-typescript")


if __name__ == "__main__":
    main()
