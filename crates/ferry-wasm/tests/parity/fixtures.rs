// @generated natively by `cargo test -p ferry-wasm --test parity`; do not edit.
// (fixture file, its bytes, expected JSON: {"options": ..., "report": ...} from the native build)
const FIXTURES: &[(&str, &[u8], &str)] = &[
    (
        "att001.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/att001.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/att001.json")),
    ),
    (
        "att002.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/att002.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/att002.json")),
    ),
    (
        "att003.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/att003.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/att003.json")),
    ),
    (
        "att005.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/att005.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/att005.json")),
    ),
    (
        "att006.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/att006.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/att006.json")),
    ),
    (
        "att007.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/att007.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/att007.json")),
    ),
    (
        "batch001.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/batch001.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/batch001.json")),
    ),
    (
        "batch002.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/batch002.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/batch002.json")),
    ),
    (
        "json001.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/json001.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/json001.json")),
    ),
    (
        "json002.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/json002.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/json002.json")),
    ),
    (
        "json003.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/json003.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/json003.json")),
    ),
    (
        "json004.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/json004.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/json004.json")),
    ),
    (
        "json005.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/json005.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/json005.json")),
    ),
    (
        "json006.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/json006.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/json006.json")),
    ),
    (
        "json007.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/json007.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/json007.json")),
    ),
    (
        "lim001.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/lim001.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/lim001.json")),
    ),
    (
        "lim002.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/lim002.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/lim002.json")),
    ),
    (
        "mml001.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml001.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml001.json")),
    ),
    (
        "mml002.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml002.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml002.json")),
    ),
    (
        "mml003.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml003.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml003.json")),
    ),
    (
        "mml004.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml004.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml004.json")),
    ),
    (
        "mml005.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml005.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml005.json")),
    ),
    (
        "mml006.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml006.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml006.json")),
    ),
    (
        "mml007.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml007.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml007.json")),
    ),
    (
        "mml008.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml008.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml008.json")),
    ),
    (
        "mml009.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml009.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml009.json")),
    ),
    (
        "mml010.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml010.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml010.json")),
    ),
    (
        "mml011.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml011.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml011.json")),
    ),
    (
        "mml012.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml012.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml012.json")),
    ),
    (
        "mml013.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml013.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml013.json")),
    ),
    (
        "mml014.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml014.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml014.json")),
    ),
    (
        "mml015.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml015.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml015.json")),
    ),
    (
        "mml016.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml016.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml016.json")),
    ),
    (
        "mml017.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml017.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml017.json")),
    ),
    (
        "mml018.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml018.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml018.json")),
    ),
    (
        "mml019.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml019.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml019.json")),
    ),
    (
        "mml020.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml020.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml020.json")),
    ),
    (
        "mml021.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml021.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml021.json")),
    ),
    (
        "mml022.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml022.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml022.json")),
    ),
    (
        "mml023.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml023.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml023.json")),
    ),
    (
        "mml024.json",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/mml024.json")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/mml024.json")),
    ),
    (
        "pod001.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/pod001.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/pod001.json")),
    ),
    (
        "pod002.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/pod002.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/pod002.json")),
    ),
    (
        "pod003.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/pod003.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/pod003.json")),
    ),
    (
        "pod004.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/pod004.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/pod004.json")),
    ),
    (
        "pod005.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/pod005.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/pod005.json")),
    ),
    (
        "pod006.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/pod006.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/pod006.json")),
    ),
    (
        "pod007.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/pod007.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/pod007.json")),
    ),
    (
        "sch001.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/sch001.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/sch001.json")),
    ),
    (
        "sch002.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/sch002.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/sch002.json")),
    ),
    (
        "sch003.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/sch003.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/sch003.json")),
    ),
    (
        "sch004.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/sch004.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/sch004.json")),
    ),
    (
        "sch005.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/sch005.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/sch005.json")),
    ),
    (
        "sch006.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/sch006.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/sch006.json")),
    ),
    (
        "sch007.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/sch007.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/sch007.json")),
    ),
    (
        "sch008.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/sch008.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/sch008.json")),
    ),
    (
        "sch009.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/sch009.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/sch009.json")),
    ),
    (
        "sch010.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/sch010.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/sch010.json")),
    ),
    (
        "sch011.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/sch011.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/sch011.json")),
    ),
    (
        "teams001.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/teams001.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/teams001.json")),
    ),
    (
        "teams002.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/teams002.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/teams002.json")),
    ),
    (
        "teams003.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/teams003.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/teams003.json")),
    ),
    (
        "teams004.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/teams004.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/teams004.json")),
    ),
    (
        "teams005.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/teams005.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/teams005.json")),
    ),
    (
        "teams006.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/teams006.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/teams006.json")),
    ),
    (
        "teams007.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/teams007.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/teams007.json")),
    ),
    (
        "ts001.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/ts001.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/ts001.json")),
    ),
    (
        "ts002.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/ts002.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/ts002.json")),
    ),
    (
        "ts003.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/ts003.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/ts003.json")),
    ),
    (
        "ts004.ndjson",
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-core/fixtures/rules/ts004.ndjson")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/parity/expected/ts004.json")),
    ),
];
