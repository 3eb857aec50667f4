//! `/openapi.json` and `/docs`: the description lists every route the router serves, each
//! route it lists is really served, and Swagger UI is served from the binary.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{spawn_app, Backend, TestApp};

/// The routes shared/SPEC.md and issue 4 promise, as (method, path template). The router is
/// built only from `krispyto::http::routes()`, whose entries register a handler and its
/// OpenAPI operation together; this list catches a promised route that is missing from both.
const PROMISED_ROUTES: &[(&str, &str)] = &[
    ("get", "/dashboard"),
    ("get", "/search"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/docs"),
    ("get", "/docs/{file}"),
    ("get", "/api/v1/coins"),
    ("get", "/api/v1/coins/{symbol}"),
    ("get", "/api/v1/coins/{symbol}/history"),
    ("get", "/api/v1/markets"),
    ("get", "/api/v1/search"),
    ("get", "/api/v1/stats"),
    ("get", "/api/v1/export"),
    ("get", "/api/v3/ping"),
    ("get", "/api/v3/simple/price"),
    ("get", "/api/v3/simple/supported_vs_currencies"),
    ("get", "/api/v3/coins/list"),
    ("get", "/api/v3/coins/markets"),
    ("get", "/api/v3/coins/{id}"),
    ("get", "/api/v3/coins/{id}/history"),
    ("get", "/api/v3/coins/{id}/market_chart"),
    ("get", "/api/v3/coins/{id}/market_chart/range"),
    ("get", "/api/v3/coins/{id}/ohlc"),
    ("get", "/api/v3/coins/{id}/ohlc/range"),
    ("get", "/api/v3/search"),
    ("put", "/api/v1/coins/{symbol}"),
    ("post", "/api/v1/coins/{symbol}/records"),
    ("get", "/"),
    ("get", "/coins/{symbol}"),
    ("get", "/assets/{file}"),
];

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

/// Every (method, path) operation of an OpenAPI document.
fn operations(spec: &Value) -> BTreeSet<(String, String)> {
    spec["paths"]
        .as_object()
        .expect("the spec has paths")
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|method| item.get(**method).is_some())
                .map(move |method| (method.to_string(), path.clone()))
        })
        .collect()
}

async fn spec(app: &TestApp) -> Value {
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    serde_json::from_str(&text).expect("/openapi.json is valid JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spec_is_openapi_3_1_and_lists_every_route_the_router_serves() {
    let app = spawn_app(Backend::Sqlite).await;
    let spec = spec(&app).await;
    let version = spec["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1."), "openapi is {version}");
    assert_eq!(spec["info"]["title"], "krispyto");

    // The served description lists exactly the promised routes: one missing, or one served
    // and described that nobody listed here, fails (add a new route to PROMISED_ROUTES).
    let listed = operations(&spec);
    let promised: BTreeSet<(String, String)> = PROMISED_ROUTES
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    let missing: Vec<_> = promised.difference(&listed).collect();
    let unlisted: Vec<_> = listed.difference(&promised).collect();
    assert!(
        missing.is_empty(),
        "promised but not in /openapi.json: {missing:?}"
    );
    assert!(
        unlisted.is_empty(),
        "in /openapi.json but not in PROMISED_ROUTES: {unlisted:?}"
    );

    // Every listed operation is really routed: not the 404 of unknown routes, nor a 405.
    for (method, path) in &listed {
        let concrete = path
            .replace("{file}", "index.html")
            .replace("{symbol}", "BTC");
        let request = app.client.request(
            method.to_uppercase().parse().unwrap(),
            format!("{}{concrete}", app.address),
        );
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        assert_ne!(status, 405, "{method} {path}: {body}");
        assert!(
            !body.contains("There is no route"),
            "{method} {path} is listed but not routed: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_answer_in_the_spec_is_the_error_schema() {
    let app = spawn_app(Backend::Sqlite).await;
    let spec = spec(&app).await;
    assert_eq!(
        spec["components"]["schemas"]["ErrorBody"]["required"],
        serde_json::json!(["error"])
    );
    let mut errors_seen = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                errors_seen += 1;
                // ErrorBody, or a richer body that still carries "error" (422's InvalidBody).
                let reference = response["content"]["application/json"]["schema"]["$ref"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{method} {path} {status}: no JSON schema"));
                let name = reference.trim_start_matches("#/components/schemas/");
                let required = &spec["components"]["schemas"][name]["required"];
                assert!(
                    required
                        .as_array()
                        .is_some_and(|r| r.contains(&Value::from("error"))),
                    "{method} {path} {status}: {name} does not require 'error'"
                );
            }
        }
    }
    assert!(
        errors_seen >= 8,
        "only {errors_seen} error answers described"
    );

    // The compatibility routes document their rules: every parameter, the 204, the examples.
    let dashboard = &spec["paths"]["/dashboard"]["get"];
    let names: Vec<&str> = dashboard["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["id", "date", "order_by", "order_type", "If-None-Match"]
    );
    assert_eq!(dashboard["parameters"][0]["required"], true);
    let order_by = &dashboard["parameters"][2]["schema"];
    let accepted = order_by["enum"].as_array().unwrap();
    for alias in [
        "24h-volume",
        "24h_volume",
        "market-cap",
        "market_cap",
        "crypto",
    ] {
        assert!(accepted.contains(&Value::from(alias)), "{order_by}");
    }
    assert!(dashboard["responses"]["204"].is_object());
    assert!(dashboard["responses"]["304"]["headers"]["ETag"].is_object());
    assert!(dashboard["description"]
        .as_str()
        .unwrap()
        .contains("at most 3 days older"));
    let row = &spec["components"]["schemas"]["DashboardRow"];
    assert!(row["properties"]["24h"]["type"]
        .as_array()
        .is_some_and(|types| types.contains(&Value::from("null"))));
    assert_eq!(
        spec["paths"]["/search"]["get"]["parameters"][0]["name"],
        "name"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_serve_swagger_ui_from_the_binary() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app.get("/docs").await;
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains("<base href=\"/docs/\">"), "{html}");
    assert!(html.contains("swagger-ui-bundle.js"), "{html}");

    let initializer = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(initializer.status().as_u16(), 200);
    assert!(initializer
        .text()
        .await
        .unwrap()
        .contains("\"url\": \"/openapi.json\""));
    let css = app.get("/docs/swagger-ui.css").await;
    assert_eq!(css.status().as_u16(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");

    assert!(app
        .get_error("/docs/no-such-file.js", 404)
        .await
        .contains("no-such-file.js"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extractor_rejections_answer_json_errors() {
    let app = spawn_app(Backend::Sqlite).await;
    // axum's Path extractor refuses a name that is not UTF-8, in plain text; the server
    // rewrites that into the JSON error every client reads.
    let message = app.get_error("/docs/%FF", 400).await;
    assert!(message.contains("UTF-8"), "{message}");
    assert!(message.contains("/docs"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_described_as_cached_sends_an_etag_and_answers_304() {
    let app = spawn_app(Backend::Sqlite).await;
    app.import_three_btc_days().await;
    let spec = spec(&app).await;
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let Some(operation) = item.get("get") else {
            continue;
        };
        if operation["responses"].get("304").is_none() {
            continue;
        }
        // Every required parameter gets a value that finds the one coin; /api/v3 (CoinGecko's
        // protocol) takes ids, days, dates and instants, and simple/price needs one of `ids`,
        // `names` or `symbols`, which no single parameter's `required` can say.
        let query: Vec<String> = match v3_query(path) {
            Some(query) => vec![query.to_owned()],
            None => operation["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .map(|p| format!("{}=btc", p["name"].as_str().unwrap()))
                .collect(),
        };
        let url = format!(
            "{}?{}",
            path.replace("{symbol}", "BTC")
                .replace("{id}", "bitcoin")
                .replace("{file}", "app.js"),
            query.join("&")
        );
        let first = app.get(&url).await;
        assert_eq!(first.status().as_u16(), 200, "GET {url}");
        let etag = first
            .headers()
            .get("etag")
            .unwrap_or_else(|| panic!("GET {url} sends no ETag, yet its 304 is described"))
            .clone();
        assert!(first.headers().contains_key("cache-control"), "GET {url}");
        let again = app
            .client
            .get(format!("{}{url}", app.address))
            .header("If-None-Match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "GET {url} with its ETag");
        checked += 1;
    }
    // /dashboard, /search, the six /api/v1 reads, the twelve /api/v3 reads and the web
    // dashboard's page, coin page and files.
    assert_eq!(checked, 23);
}

/// A query that finds the one coin (Bitcoin, 2021-07-01..03) on an `/api/v3` path.
fn v3_query(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("/api/v3")?;
    Some(match rest {
        "/coins/markets" | "/coins/{id}/market_chart" | "/coins/{id}/ohlc" => {
            "vs_currency=usd&days=1"
        }
        "/coins/{id}/market_chart/range" | "/coins/{id}/ohlc/range" => {
            "vs_currency=usd&from=2021-07-01&to=2021-07-04"
        }
        "/coins/{id}/history" => "date=02-07-2021",
        "/simple/price" => "ids=bitcoin&vs_currencies=usd",
        "/search" => "query=bit",
        _ => "",
    })
}

/// A route that can fail on the database (it documents that 500) also documents the 503 it
/// answers while the database cannot be reached (tests/api/database_outage.rs); a route that
/// never touches the database documents neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_on_the_database_documents_its_503() {
    let app = spawn_app(Backend::Sqlite).await;
    let spec = spec(&app).await;
    let mut on_database = BTreeSet::new();
    for (method, path) in operations(&spec) {
        let responses = &spec["paths"][&path][&method]["responses"];
        if responses.get("500").is_none() {
            assert!(
                responses.get("503").is_none() || path == "/readyz",
                "{method} {path}"
            );
            continue;
        }
        assert_eq!(
            responses["503"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "{method} {path}"
        );
        on_database.insert((method, path));
    }
    // The reads of every API, the two writes and the export; not the probes or the web files.
    for route in [
        ("get", "/dashboard"),
        ("get", "/search"),
        ("get", "/api/v1/coins/{symbol}"),
        ("get", "/api/v1/export"),
        ("put", "/api/v1/coins/{symbol}"),
        ("post", "/api/v1/coins/{symbol}/records"),
        ("get", "/api/v3/coins/markets"),
        ("get", "/api/v3/coins/{id}/ohlc/range"),
    ] {
        assert!(
            on_database.contains(&(route.0.to_owned(), route.1.to_owned())),
            "{route:?}"
        );
    }
    assert_eq!(on_database.len(), 22, "{on_database:?}");
    for path in ["/healthz", "/metrics", "/api/v3/ping", "/assets/{file}"] {
        assert!(spec["paths"][path]["get"]["responses"].get("503").is_none());
    }
}

/// The routes whose rules are not in their parameters describe them to the people who call
/// them (with a `summary`, utoipa publishes no doc comment: the description is explicit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_and_stats_describe_their_conventions() {
    let app = spawn_app(Backend::Sqlite).await;
    let spec = spec(&app).await;
    let description = |path: &str| {
        spec["paths"][path]["get"]["description"]
            .as_str()
            .unwrap_or_else(|| panic!("{path} has no description"))
            .to_owned()
    };
    let export = description("/api/v1/export");
    assert!(
        export.contains("date,open,high,low,close,volume,market_cap"),
        "{export}"
    );
    assert!(export.contains("NDJSON"), "{export}");
    assert!(export.contains("unrounded"), "{export}");
    let stats = description("/api/v1/stats");
    assert!(stats.contains("sqrt(365)"), "{stats}");
    assert!(stats.contains("gap"), "{stats}");
}

/// The price objects list their properties (no `allOf`): a candle is a day's prices plus
/// `days`, each schema flat, as generated clients and the spec's readers expect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candles_and_daily_prices_list_their_properties() {
    let app = spawn_app(Backend::Sqlite).await;
    let spec = spec(&app).await;
    let day = [
        "date",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "market_cap",
    ];
    for (schema, extra) in [("DailyPrices", None), ("CandleEntry", Some("days"))] {
        let required: Vec<&str> = spec["components"]["schemas"][schema]["required"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema} lists no required properties"))
            .iter()
            .map(|name| name.as_str().unwrap())
            .collect();
        let expected: Vec<&str> = day.iter().copied().chain(extra).collect();
        assert_eq!(required, expected, "{schema}");
    }
}
