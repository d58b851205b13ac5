//! End-to-end tests of the `banditpam` binary: formats, metrics, the JSON result, the reference
//! case of docs/ALGORITHMS.md, strings, every bad input, output files and pipes, and the demo's
//! picture.

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use npyz::WriterBuilder;
use serde_json::Value;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

fn mnist_100() -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(data_dir().join("mnist-100.csv")).unwrap();
    text.lines().map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect()
}

/// Runs the tool, expects success, returns the JSON it printed.
fn fit_json(args: &[&str]) -> Value {
    let output = cargo_bin_cmd!("banditpam").arg("fit").args(args).arg("--quiet").output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

/// Runs the tool, expects exit code 2 and a one-line message; returns it.
fn fit_error(args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = cargo_bin_cmd!("banditpam");
    cmd.arg("fit").args(args);
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    stderr
}

/// `banditpam fit INPUT OPTIONS --quiet` under `ulimit -v KIB`.
fn fit_under_address_limit(kib: u64, input: &Path, options: &str) -> std::process::Output {
    let binary = assert_cmd::cargo::cargo_bin!("banditpam");
    let script = format!("ulimit -v {kib}; exec '{}' fit '{}' {options} --quiet", binary.display(), input.display());
    std::process::Command::new("sh").args(["-c", &script]).output().unwrap()
}

fn indices(value: &Value) -> Vec<usize> {
    value.as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect()
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

fn write_csv(path: &Path, rows: &[Vec<f64>], delimiter: &str, header: bool) {
    let mut text = String::new();
    if header {
        let names: Vec<String> = (0..rows[0].len()).map(|j| format!("x{j}")).collect();
        text += &(names.join(delimiter) + "\n");
    }
    for row in rows {
        text += &(row.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(delimiter) + "\n");
    }
    std::fs::write(path, text).unwrap();
}

fn write_npy<T: npyz::AutoSerialize + Copy>(path: &Path, rows: &[Vec<T>], fortran: bool) {
    let (n, d) = (rows.len(), rows[0].len());
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let order = if fortran { npyz::Order::Fortran } else { npyz::Order::C };
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[n as u64, d as u64])
        .order(order)
        .writer(file)
        .begin_nd()
        .unwrap();
    let flat: Vec<T> =
        if fortran { (0..d).flat_map(|j| rows.iter().map(move |r| r[j])).collect() } else { rows.concat() };
    writer.extend(flat).unwrap();
    writer.finish().unwrap();
}

/// A version 1.0 `.npy` file by hand: any dtype string, C order.
fn npy_bytes(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|s| s.to_string()).collect();
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({},), }}", dims.join(", "));
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(data);
    bytes
}

fn distance(metric: &str, a: &[f64], b: &[f64]) -> f64 {
    let diffs = a.iter().zip(b).map(|(x, y)| (x - y).abs());
    let dot = |u: &[f64], v: &[f64]| u.iter().zip(v).map(|(x, y)| x * y).sum::<f64>();
    match metric {
        "l2" => diffs.map(|t| t * t).sum::<f64>().sqrt(),
        "sqeuclidean" => diffs.map(|t| t * t).sum(),
        "l1" => diffs.sum(),
        "lp:3" => diffs.map(|t| t.powi(3)).sum::<f64>().cbrt(),
        "linf" => diffs.fold(0.0, f64::max),
        "cosine" => 1.0 - dot(a, b) / (dot(a, a).sqrt() * dot(b, b).sqrt()),
        "correlation" => {
            let centre = |u: &[f64]| {
                let m = u.iter().sum::<f64>() / u.len() as f64;
                u.iter().map(|x| x - m).collect::<Vec<_>>()
            };
            let (u, v) = (centre(a), centre(b));
            1.0 - dot(&u, &v) / (dot(&u, &u).sqrt() * dot(&v, &v).sqrt())
        }
        other => panic!("no reference for {other}"),
    }
}

#[test]
fn reference_case_through_the_cli() {
    let input = data_dir().join("mnist-100.csv");
    let input = input.to_str().unwrap();
    for method in ["banditpam++", "banditpam", "pam", "fastpam1"] {
        let json = fit_json(&[input, "--k", "5", "--method", method]);
        assert_eq!(sorted(indices(&json["build_medoids"])), [16, 24, 32, 70, 87], "{method}");
        assert_eq!(sorted(indices(&json["medoids"])), [23, 30, 49, 70, 99], "{method}");
        assert!((json["average_loss"].as_f64().unwrap() - 7.825097).abs() < 1e-6);
        assert_eq!(json["method"], method);
    }
    let json = fit_json(&[input, "--k", "5", "--metric", "cosine"]);
    assert_eq!(sorted(indices(&json["medoids"])), [53, 73, 76, 85, 97]);
    let json = fit_json(&[input, "-k", "5", "--metric", "l1"]);
    assert_eq!(sorted(indices(&json["medoids"])), [3, 49, 70, 87, 99]);
}

#[test]
fn json_fields_and_labels_point_to_nearest_medoids_for_every_metric() {
    let rows: Vec<Vec<f64>> = mnist_100().into_iter().take(60).collect();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("digits.csv");
    write_csv(&input, &rows, ",", false);
    for metric in ["l2", "sqeuclidean", "l1", "lp:3", "linf", "cosine", "correlation"] {
        let json = fit_json(&[input.to_str().unwrap(), "--k", "4", "--metric", metric, "--seed", "3"]);
        for field in ["version", "n", "d", "k", "metric", "method", "seed", "threads", "converged", "swaps"] {
            assert!(!json[field].is_null(), "{metric}: missing {field}");
        }
        for field in ["build", "swap", "other"] {
            assert!(json["distance_evaluations"][field].is_u64() && json["seconds"][field].is_f64());
        }
        assert_eq!((json["n"].as_u64(), json["d"].as_u64(), json["k"].as_u64()), (Some(60), Some(784), Some(4)));
        let medoids = indices(&json["medoids"]);
        let labels = indices(&json["labels"]);
        let mut loss = 0.0;
        for (j, row) in rows.iter().enumerate() {
            let d: Vec<f64> = medoids.iter().map(|&m| distance(metric, &rows[m], row)).collect();
            let best = d.iter().cloned().fold(f64::INFINITY, f64::min);
            assert!(d[labels[j]] <= best + 1e-9 * best.max(1.0), "{metric}: point {j}");
            loss += best;
        }
        let reported = json["loss"].as_f64().unwrap();
        assert!((reported - loss).abs() <= 1e-9 * loss.max(1.0), "{metric}: loss {reported} vs {loss}");
    }
}

#[test]
fn every_input_format_gives_the_same_answer() {
    let rows: Vec<Vec<f64>> = mnist_100().into_iter().take(80).collect();
    let rows32: Vec<Vec<f32>> = rows.iter().map(|r| r.iter().map(|&v| v as f32).collect()).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    write_csv(Path::new(&path("a.csv")), &rows, ",", false);
    write_csv(Path::new(&path("b.tsv")), &rows, "\t", true);
    write_npy(Path::new(&path("c.npy")), &rows, true);
    write_npy(Path::new(&path("d.npy")), &rows32, false);
    let expected = sorted(indices(&fit_json(&[&path("a.csv"), "--k", "3"])["medoids"]));
    for args in [
        vec![path("b.tsv"), "--header".into()],
        vec![path("c.npy")],
        vec![path("d.npy")],
        vec![path("a.csv"), "--format".into(), "csv".into()],
    ] {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        all.extend(["--k", "3"]);
        assert_eq!(sorted(indices(&fit_json(&all)["medoids"])), expected, "{args:?}");
    }
    let csv = std::fs::read_to_string(path("a.csv")).unwrap();
    let output = cargo_bin_cmd!("banditpam").args(["fit", "-", "--k", "3", "-q"]).write_stdin(csv).output().unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sorted(indices(&json["medoids"])), expected, "stdin");
}

#[test]
fn precomputed_matrices_match_the_dense_metric() {
    let rows: Vec<Vec<f64>> = mnist_100().into_iter().take(50).collect();
    let matrix: Vec<Vec<f64>> = rows.iter().map(|a| rows.iter().map(|b| distance("l1", a, b)).collect()).collect();
    let dir = tempfile::tempdir().unwrap();
    let (dense, csv, npy) = (dir.path().join("x.csv"), dir.path().join("d.csv"), dir.path().join("d.npy"));
    write_csv(&dense, &rows, ",", false);
    write_csv(&csv, &matrix, ",", false);
    write_npy(&npy, &matrix, false);
    let expected = fit_json(&[dense.to_str().unwrap(), "--k", "4", "--metric", "l1"]);
    for input in [&csv, &npy] {
        let json = fit_json(&[input.to_str().unwrap(), "--k", "4", "--metric", "precomputed"]);
        assert_eq!(sorted(indices(&json["medoids"])), sorted(indices(&expected["medoids"])));
        assert!((json["loss"].as_f64().unwrap() - expected["loss"].as_f64().unwrap()).abs() < 1e-6);
        assert!(json["d"].is_null());
    }
}

#[test]
fn strings_cluster_by_edit_distance() {
    let groups = [
        ["apple", "appel", "aple", "applle", "apples"],
        ["banana", "bananna", "banan", "bananas", "bnana"],
        ["cherry", "chery", "cherri", "cherryy", "sherry"],
    ];
    let words: Vec<&str> = groups.iter().flatten().copied().collect();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("words.txt");
    std::fs::write(&input, words.join("\n") + "\n").unwrap();
    let labels_path = dir.path().join("labels.csv");
    let json = fit_json(&[
        input.to_str().unwrap(),
        "--k",
        "3",
        "--metric",
        "levenshtein",
        "--labels",
        labels_path.to_str().unwrap(),
    ]);
    let labels = indices(&json["labels"]);
    for group in 0..3 {
        let first = labels[group * 5];
        assert!(labels[group * 5..group * 5 + 5].iter().all(|&l| l == first), "group {group}: {labels:?}");
    }
    assert_eq!(sorted(labels.clone()).into_iter().collect::<std::collections::BTreeSet<_>>().len(), 3);
    let medoids = indices(&json["medoids"]);
    assert!(medoids.iter().any(|&m| words[m] == "apple") && medoids.iter().any(|&m| words[m] == "banana"));
    let written: Vec<usize> =
        std::fs::read_to_string(&labels_path).unwrap().lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(written, labels);
}

#[test]
fn output_file_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("result.json");
    let input = data_dir().join("mnist-100.csv");
    let output = cargo_bin_cmd!("banditpam")
        .args(["fit", input.to_str().unwrap(), "--k", "2", "--output", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success() && output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("clustered 100 objects into 2 clusters"), "{stderr}");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(json["k"], 2);
}

#[test]
fn bad_inputs_give_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let good = file("good.csv", "0,0\n1,1\n5,5\n");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["/no/such/file.csv".into(), "--k".into(), "2".into()], "No such file"),
        (vec![file("word.csv", "1,2\n3,4\n5,x7\n"), "--k".into(), "2".into()], "line 3, column 2: cannot read \"x7\""),
        (vec![file("ragged.csv", "1,2\n3\n"), "--k".into(), "1".into()], "line 2 has 1 values"),
        (
            vec![file("nan.csv", "1,2\nNaN,4\n"), "--k".into(), "1".into()],
            "line 2, column 1: the value NaN is not finite",
        ),
        (vec![file("inf.csv", "1,inf\n3,4\n"), "--k".into(), "1".into()], "not finite"),
        (vec![good.clone(), "--k".into(), "0".into()], "k must be >= 1, got 0"),
        (vec![good.clone(), "--k".into(), "1".into(), "--threads".into(), "100000".into()], "at most"),
        (vec![good.clone(), "--k".into(), "4".into()], "k = 4"),
        (
            vec![file("rect.csv", "0,1,2\n1,0,3\n"), "--k".into(), "1".into(), "--metric".into(), "precomputed".into()],
            "square",
        ),
        (vec![good.clone(), "--k".into(), "2".into(), "--metric".into(), "jaccard".into()], "unknown metric"),
        (vec![good.clone(), "--k".into(), "2".into(), "--method".into(), "kmeans".into()], "unknown method 'kmeans'; expected one of auto, banditpam++, banditpam, pam, fastpam1, fasterpam, onebatch, onebatch+swap"),
        (vec![file("empty.csv", ""), "--k".into(), "1".into()], "empty"),
        (
            vec![file("neg.csv", "0,-1\n1,0\n"), "--k".into(), "1".into(), "--metric".into(), "precomputed".into()],
            "negative",
        ),
        (vec![file("bad.npy", "not an array"), "--k".into(), "1".into()], "not a valid .npy"),
        (
            vec![
                good.clone(),
                "--k".into(),
                "2".into(),
                "--metric".into(),
                "levenshtein".into(),
                "--format".into(),
                "csv".into(),
            ],
            "--format lines",
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let message = fit_error(&args, None);
        assert!(message.starts_with("error: "), "{message}");
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    let bools = dir.path().join("bools.npy");
    std::fs::write(&bools, npy_bytes("|b1", &[2, 2], &[1, 0, 0, 1])).unwrap();
    let message = fit_error(&[bools.to_str().unwrap(), "--k", "1"], None);
    assert!(message.contains("unsupported dtype '|b1'") && message.contains("integers"), "{message}");
    let message = fit_error(&["-", "--k", "1"], Some("1,2\n3,oops\n"));
    assert!(message.contains("line 2, column 2"), "{message}");
    // clap's own usage errors also exit with 2, with the reason.
    let output = cargo_bin_cmd!("banditpam").args(["fit", &good, "--k", "1", "--memory", "12X"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown unit in \"12X\""));
    let output = cargo_bin_cmd!("banditpam").args(["fit", &good]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn demo_draws_the_medoids() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("medoids.svg");
    let output = cargo_bin_cmd!("banditpam")
        .args(["demo", "--n", "1000", "--k", "4", "--quiet", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("clustered 1000 objects into 4 clusters") && stdout.contains("share their medoid's label"));
    let svg = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    let images: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("image")).collect();
    assert_eq!(images.len(), 4);
    assert!(images.iter().all(|i| i.attribute("href").is_some_and(|h| h.starts_with("data:image/png;base64,"))));
    let sizes: usize = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text()?.strip_suffix(" points"))
        .map(|t| t.parse::<usize>().unwrap())
        .sum();
    assert_eq!(sizes, 1000, "the cluster sizes add up to n");
    let bad = cargo_bin_cmd!("banditpam").args(["demo", "--n", "20000"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn the_default_method_is_auto_and_the_output_names_what_ran() {
    let input = data_dir().join("mnist-100.csv");
    let input = input.to_str().unwrap();
    let small = fit_json(&[input, "--k", "5"]);
    let named = |json: &serde_json::Value| json["method"].as_str().unwrap().to_string();
    // On 100 objects auto runs PAM (FastPAM1 from BUILD): PAM's loss on this case.
    assert_eq!((named(&small), &small["matrix"]), ("fastpam1".into(), &serde_json::json!("float64")));
    let pam = fit_json(&[input, "--k", "5", "--method", "pam"]);
    assert!(
        (small["loss"].as_f64().unwrap() - pam["loss"].as_f64().unwrap()).abs() <= 1e-9 * pam["loss"].as_f64().unwrap()
    );
    // Without room for the matrix, nearswap.
    let tight = fit_json(&[input, "--k", "20", "--memory", "39999"]);
    assert_eq!(named(&tight), "nearswap");
    assert_eq!(tight["matrix"], serde_json::Value::Null);
}

#[test]
fn frugal_methods_run_from_the_cli() {
    let input = data_dir().join("mnist-100.csv");
    let input = input.to_str().unwrap();
    let one = fit_json(&[input, "--k", "5", "--method", "onebatch", "--seed", "4"]);
    let hybrid = fit_json(&[input, "--k", "5", "--method", "onebatch+swap", "--seed", "4"]);
    assert_eq!((one["method"].as_str(), hybrid["method"].as_str()), (Some("onebatch"), Some("onebatch+swap")));
    assert!(hybrid["loss"].as_f64().unwrap() <= one["loss"].as_f64().unwrap());
    // PAM's loss on this case (docs/ALGORITHMS.md, "Reference cases") bounds what a local optimum can reach from above by a little.
    assert!(hybrid["average_loss"].as_f64().unwrap() < 7.825097 * 1.01);
}

#[test]
fn results_reach_pipes_and_files_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "0,0\n1,1\n5,5\n6,6\n").unwrap();
    let good = good.to_str().unwrap();

    // A reader that closes the pipe early: the tool stops quietly.
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("banditpam"))
        .args(["fit", good, "--k", "2", "--quiet"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && stderr.is_empty(), "{:?}: {stderr}", output.status);

    // A full disk is an error with a message, not a panic.
    if Path::new("/dev/full").exists() {
        let full = std::fs::File::create("/dev/full").unwrap();
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin!("banditpam"))
            .args(["fit", good, "--k", "2", "--quiet"])
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("standard output") && !stderr.contains("panicked"), "{stderr}");
    }

    // An unwritable destination is reported before any work, naming it.
    let message = fit_error(&[good, "--k", "2", "--output", "/no/such/folder/out.json"], None);
    assert!(message.contains("/no/such/folder/out.json"), "{message}");

    // Both files or neither: a labels file that cannot be written leaves the old result as it was.
    let result = dir.path().join("result.json");
    std::fs::write(&result, "old result").unwrap();
    let result_arg = result.to_str().unwrap();
    let message = fit_error(&[good, "--k", "2", "--output", result_arg, "--labels", "/no/such/folder/l.csv"], None);
    assert!(message.contains("l.csv"), "{message}");
    assert_eq!(std::fs::read_to_string(&result).unwrap(), "old result");
    let labels = dir.path().join("labels.csv");
    let output = cargo_bin_cmd!("banditpam")
        .args(["fit", good, "--k", "2", "--quiet", "--output", result_arg, "--labels", labels.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success() && output.stdout.is_empty(), "nothing on stdout when --output is given");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&result).unwrap()).unwrap();
    assert_eq!(written["labels"].as_array().unwrap().len(), 4);
    assert_eq!(std::fs::read_to_string(&labels).unwrap().lines().count(), 4);
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(".banditpam-"));
    assert_eq!(leftovers.count(), 0, "no temporary file is left behind");
}

#[test]
fn memory_limits_and_lying_headers_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<Vec<f64>> = (0..300).map(|i| vec![i as f64, (i * 7 % 13) as f64]).collect();
    let npy = dir.path().join("points.npy");
    write_npy(&npy, &rows, false);
    let npy = npy.to_str().unwrap();
    // OneBatchPAM's n x m block cannot fit 1 KiB: the message names the buffer and the option.
    let message = fit_error(&[npy, "--k", "3", "--method", "onebatch", "--memory", "1K"], None);
    assert!(message.contains("OneBatchPAM's block") && message.contains("--memory"), "{message}");
    // The matrix of an exact method is skipped rather than refused: the fit runs without it.
    let small = fit_json(&[npy, "--k", "3", "--method", "fastpam1", "--memory", "1K"]);
    let large = fit_json(&[npy, "--k", "3", "--method", "fastpam1"]);
    assert_eq!((small["matrix"].as_str(), large["matrix"].as_str()), (None, Some("float64")));
    assert_eq!(sorted(indices(&small["medoids"])), sorted(indices(&large["medoids"])));
    assert_eq!(large["method"], "fastpam1");

    // A header announcing far more values than the file holds is named, not allocated.
    let mut bytes = std::fs::read(npy).unwrap();
    let header_end = bytes.iter().position(|&b| b == b'\n').unwrap();
    let header = String::from_utf8(bytes[10..header_end].to_vec()).unwrap();
    let lying = header.trim_end().replace("(300, 2, )", "(4000000000000000, 4611686018427387904, )");
    assert_ne!(lying, header.trim_end());
    // Padded so that the data still starts at a multiple of 64 bytes.
    let padded = format!("{lying:<width$}", width = (10 + lying.len() + 1).div_ceil(64) * 64 - 11);
    bytes.splice(10..header_end, padded.bytes());
    // The header length field (bytes 8..10, version 1) must match the new header.
    let len = (bytes.iter().position(|&b| b == b'\n').unwrap() + 1 - 10) as u16;
    bytes[8..10].copy_from_slice(&len.to_le_bytes());
    let huge = dir.path().join("huge.npy");
    std::fs::write(&huge, bytes).unwrap();
    let message = fit_error(&[huge.to_str().unwrap(), "--k", "2"], None);
    assert!(message.contains("header announces shape"), "{message}");
}

#[test]
fn an_address_space_limit_gives_exit_code_2_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rand10d.npy");
    // 300,000 x 10 float32 written directly (the .npy writer would go value by value).
    let n = 300_000u64;
    let header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({n}, 10), }}");
    let padded = format!("{header:<width$}\n", width = (10 + header.len() + 1).div_ceil(64) * 64 - 11);
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(padded.len() as u16).to_le_bytes());
    bytes.extend_from_slice(padded.as_bytes());
    bytes.extend((0..n * 10).flat_map(|i| (((i * 2654435761) % 1000) as f32 / 1000.0).to_le_bytes()));
    std::fs::write(&path, bytes).unwrap();
    let output = fit_under_address_limit(1_000_000, &path, "--k 10 --method onebatch");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("OneBatchPAM's block") && stderr.contains("--memory"), "{stderr}");
}

#[test]
fn huge_values_are_clustered_or_refused_never_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    let rows: Vec<Vec<f64>> = [1.0, 1.1, 1.2, 5.0, 5.1, 5.2].iter().map(|v| vec![v * 1e200]).collect();
    write_csv(&path, &rows, ",", false);
    let path = path.to_str().unwrap();
    for metric in ["l1", "l2", "linf", "lp:130", "lp:1e6"] {
        for method in ["pam", "banditpam++", "fasterpam"] {
            let json = fit_json(&[path, "--k", "2", "--metric", metric, "--method", method]);
            assert_eq!(sorted(indices(&json["medoids"])), vec![1, 4], "{metric} {method}");
            let loss = json["loss"].as_f64().expect("a finite loss");
            assert!((loss / 0.4e200 - 1.0).abs() < 1e-9, "{metric} {method}: {loss}");
        }
    }
    let message = fit_error(&[path, "--k", "2", "--metric", "sqeuclidean"], None);
    assert!(message.contains("not finite") && message.contains("rescale"), "{message}");
}

#[test]
fn the_json_names_each_medoid_object() {
    let rows: Vec<Vec<f64>> = mnist_100().into_iter().take(50).collect();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.csv");
    write_csv(&input, &rows, ",", false);
    let json = fit_json(&[input.to_str().unwrap(), "--k", "3"]);
    let objects = json["medoid_objects"].as_array().expect("rows of the medoids");
    for (m, object) in indices(&json["medoids"]).into_iter().zip(objects) {
        let row: Vec<f64> = object.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        // serde_json parses floats to within an ulp (exact parsing is an opt-in feature).
        assert_eq!(row.len(), rows[m].len());
        assert!(row.iter().zip(&rows[m]).all(|(a, b)| (a - b).abs() <= 1e-15), "medoid {m}");
    }
    let words = dir.path().join("words.txt");
    std::fs::write(&words, "apple\napples\nappel\nbanana\nbananas\nbanan\n").unwrap();
    let json = fit_json(&[words.to_str().unwrap(), "--k", "2", "--metric", "levenshtein"]);
    let lines: Vec<&str> = ["apple", "apples", "appel", "banana", "bananas", "banan"].to_vec();
    let named: Vec<&str> = json["medoid_objects"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let expected: Vec<&str> = indices(&json["medoids"]).into_iter().map(|m| lines[m]).collect();
    assert_eq!(named, expected);
    let matrix = dir.path().join("d.csv");
    std::fs::write(&matrix, "0,1,5\n1,0,4\n5,4,0\n").unwrap();
    let json = fit_json(&[matrix.to_str().unwrap(), "--k", "1", "--metric", "precomputed"]);
    assert!(json.get("medoid_objects").is_none(), "a matrix row is not an object: {json}");
}

#[test]
fn columns_are_picked_by_number_range_or_name() {
    let rows: Vec<Vec<f64>> = mnist_100().into_iter().take(40).map(|r| r[300..304].to_vec()).collect();
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.csv");
    write_csv(&plain, &rows, ",", false);
    let expected = fit_json(&[plain.to_str().unwrap(), "--k", "3"]);
    // The same numbers among an id column and a text column, under a header.
    let mut text = String::from("id,name,a,b,c,d\n");
    for (i, row) in rows.iter().enumerate() {
        let values: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        text += &format!("{i},item {i},{}\n", values.join(","));
    }
    let mixed = dir.path().join("mixed.csv");
    std::fs::write(&mixed, text).unwrap();
    let mixed = mixed.to_str().unwrap();
    for columns in ["a,b,c,d", "3-6", "3,4,5-6"] {
        let json = fit_json(&[mixed, "--k", "3", "--header", "--columns", columns]);
        assert_eq!(json["medoids"], expected["medoids"], "{columns}");
        assert_eq!(json["d"], 4);
    }
    let npy = dir.path().join("wide.npy");
    let wide: Vec<Vec<f64>> = rows.iter().map(|r| [vec![7.0], r.clone()].concat()).collect();
    write_npy(&npy, &wide, false);
    let json = fit_json(&[npy.to_str().unwrap(), "--k", "3", "--columns", "2-5"]);
    assert_eq!(json["medoids"], expected["medoids"]);
    for (args, message) in [
        (vec![mixed, "--k", "3", "--columns", "a,b"], "add --header"),
        (vec![mixed, "--k", "3", "--header", "--columns", "a,zz"], "no column named \"zz\""),
        (vec![mixed, "--k", "3", "--header", "--columns", "3-9"], "column 9 is past the last column (6)"),
        (vec![mixed, "--k", "3", "--header", "--columns", "2-3"], "cannot read \"item 0\" as a number"),
        (vec![mixed, "--k", "3", "--header"], "pick the numeric columns with --columns"),
    ] {
        let error = fit_error(&args, None);
        assert!(error.contains(message), "{args:?}: {error}");
    }
    let output = cargo_bin_cmd!("banditpam").args(["fit", mixed, "--k", "3", "--columns", "0"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("numbered from 1"));
}

#[test]
fn integer_npy_files_are_read_as_numbers() {
    // The digits' pixel values, 0-255, as integers and as floats.
    let rows: Vec<Vec<f64>> =
        mnist_100().into_iter().take(60).map(|r| r.iter().map(|v| (v * 255.0).round()).collect()).collect();
    let dir = tempfile::tempdir().unwrap();
    let floats = dir.path().join("floats.csv");
    write_csv(&floats, &rows, ",", false);
    let expected = fit_json(&[floats.to_str().unwrap(), "--k", "3"]);
    let bytes: Vec<Vec<u8>> = rows.iter().map(|r| r.iter().map(|&v| v as u8).collect()).collect();
    let longs: Vec<Vec<i64>> = rows.iter().map(|r| r.iter().map(|&v| v as i64).collect()).collect();
    let shorts: Vec<Vec<i16>> = rows.iter().map(|r| r.iter().map(|&v| v as i16).collect()).collect();
    let (a, b, c) = (dir.path().join("u8.npy"), dir.path().join("i64.npy"), dir.path().join("i16.npy"));
    write_npy(&a, &bytes, false);
    write_npy(&b, &longs, true);
    write_npy(&c, &shorts, false);
    for path in [a, b, c] {
        let json = fit_json(&[path.to_str().unwrap(), "--k", "3"]);
        assert_eq!(json["medoids"], expected["medoids"], "{path:?}");
        assert_eq!(json["loss"], expected["loss"], "{path:?}");
    }
}

#[test]
fn errors_on_the_first_line_suggest_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let header = file("named.csv", "x,y\n0,0\n1,1\n5,5\n");
    let error = fit_error(&[&header, "--k", "2"], None);
    assert!(error.contains("line 1 looks like a header: add --header"), "{error}");
    let words = file("words.txt", "apple\nbanana\ncherry\n");
    let error = fit_error(&[&words, "--k", "2"], None);
    assert!(error.contains("use --metric levenshtein"), "{error}");
    assert_eq!(fit_json(&[&header, "--k", "2", "--header"])["n"], 3);
}

#[test]
fn init_and_restarts_from_the_command_line() {
    let input = data_dir().join("mnist-100.csv");
    let input = input.to_str().unwrap();
    for method in ["banditpam++", "pam", "fasterpam", "onebatch"] {
        let json = fit_json(&[input, "--k", "3", "--method", method, "--init", "42,7,99", "--max-iter", "0"]);
        assert_eq!(indices(&json["medoids"]), [42, 7, 99], "{method}");
    }
    let once = fit_json(&[input, "--k", "5", "--method", "fasterpam", "--init", "k-medoids++"]);
    let best = fit_json(&[input, "--k", "5", "--method", "fasterpam", "--init", "k-medoids++", "--n-init", "4"]);
    assert!(best["loss"].as_f64().unwrap() <= once["loss"].as_f64().unwrap());
    let output = cargo_bin_cmd!("banditpam").args(["fit", input, "--k", "3", "--init", "heuristic"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("build, random, k-medoids++"));
    let error = fit_error(&[input, "--k", "3", "--init", "1,2"], None);
    assert!(error.contains("2 medoids given for k = 3"), "{error}");
    let error = fit_error(&[input, "--k", "2", "--init", "1,500"], None);
    assert!(error.contains("out of range"), "{error}");
}

#[test]
fn select_k_reports_the_best_k_and_every_score() {
    // Five separated groups of 30 points in 2-D.
    let centres = [(0.0, 0.0), (20.0, 0.0), (0.0, 20.0), (20.0, 20.0), (10.0, 40.0)];
    let rows: Vec<Vec<f64>> = (0..150)
        .map(|i| {
            let (x, y) = centres[i % 5];
            vec![x + ((i * 7) % 11) as f64 / 11.0, y + ((i * 5) % 13) as f64 / 13.0]
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("groups.csv");
    write_csv(&input, &rows, ",", false);
    let input = input.to_str().unwrap();
    for score in ["medoid_silhouette", "silhouette"] {
        let output = cargo_bin_cmd!("banditpam")
            .args(["select-k", input, "--k-range", "2-4,5,6-8", "--score", score, "-q"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let json: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["best_k"], 5, "{score}: {json}");
        let entries = json["scores"].as_array().unwrap();
        assert_eq!(entries.iter().map(|e| e["k"].as_u64().unwrap()).collect::<Vec<_>>(), [2, 3, 4, 5, 6, 7, 8]);
        let best = entries.iter().max_by(|a, b| a["score"].as_f64().partial_cmp(&b["score"].as_f64()).unwrap());
        assert_eq!(best.unwrap()["k"], 5);
        // Each k's loss is that of its medoids.
        for entry in entries {
            let medoids = indices(&entry["medoids"]);
            let loss: f64 = rows
                .iter()
                .map(|r| medoids.iter().map(|&m| distance("l2", &rows[m], r)).fold(f64::INFINITY, f64::min))
                .sum();
            assert!((entry["loss"].as_f64().unwrap() - loss).abs() < 1e-9 * loss);
        }
    }
    for (args, message) in [
        (vec!["select-k", input, "--k-range", "1-3"], "at least 2"),
        (vec!["select-k", input, "--k-range", "2-200"], "--k-range reaches k = 200"),
    ] {
        let output = cargo_bin_cmd!("banditpam").args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains(message), "{args:?}");
    }
    let output = cargo_bin_cmd!("banditpam").args(["select-k", input, "--k-range", "5-2"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = cargo_bin_cmd!("banditpam").args(["select-k", input, "--k-range", "2-4", "--score", "dunn"]).output();
    assert_eq!(output.unwrap().status.code(), Some(2));
}

#[test]
fn weights_from_a_file_or_a_column_equal_repeated_rows() {
    let rows: Vec<Vec<f64>> = mnist_100().into_iter().take(40).map(|r| r[200..210].to_vec()).collect();
    let weights: Vec<usize> = (0..40).map(|i| 1 + (i * 7) % 4).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    write_csv(Path::new(&path("rows.csv")), &rows, ",", false);
    let repeated: Vec<Vec<f64>> = rows.iter().zip(&weights).flat_map(|(r, &w)| vec![r.clone(); w]).collect();
    let origin: Vec<usize> = weights.iter().enumerate().flat_map(|(i, &w)| vec![i; w]).collect();
    write_csv(Path::new(&path("repeated.csv")), &repeated, ",", false);
    std::fs::write(path("w.txt"), weights.iter().map(|w| format!("{w}\n")).collect::<String>()).unwrap();
    let mut text = "weight,".to_string() + &(0..10).map(|j| format!("x{j}")).collect::<Vec<_>>().join(",") + "\n";
    for (row, w) in rows.iter().zip(&weights) {
        text += &format!("{w},{}\n", row.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","));
    }
    std::fs::write(path("with_weights.csv"), text).unwrap();

    let plain = fit_json(&[&path("repeated.csv"), "--k", "3", "--method", "pam"]);
    let expected = sorted(indices(&plain["medoids"]).into_iter().map(|m| origin[m]).collect());
    let from_file = fit_json(&[&path("rows.csv"), "--k", "3", "--method", "pam", "--weights", &path("w.txt")]);
    let from_column =
        fit_json(&[&path("with_weights.csv"), "--k", "3", "--method", "pam", "--header", "--weight-column", "weight"]);
    for json in [&from_file, &from_column] {
        assert_eq!(sorted(indices(&json["medoids"])), expected);
        assert!((json["loss"].as_f64().unwrap() - plain["loss"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!(json["d"], 10);
    }
    std::fs::write(path("short.txt"), "1\n2\n").unwrap();
    std::fs::write(path("negative.txt"), "-1\n".repeat(40)).unwrap();
    std::fs::write(path("word.txt"), "1\nheavy\n").unwrap();
    for (weights, message) in [
        (path("short.txt"), "one weight per object"),
        (path("negative.txt"), "non-negative"),
        (path("word.txt"), "line 2: cannot read \"heavy\" as a weight"),
    ] {
        let error = fit_error(&[&path("rows.csv"), "--k", "3", "--weights", &weights], None);
        assert!(error.contains(message), "{error}");
    }
    let output = cargo_bin_cmd!("banditpam")
        .args(["fit", &path("with_weights.csv"), "--k", "2", "--weights", &path("w.txt"), "--weight-column", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn swap_gap_certifies_pam_and_measures_other_answers() {
    let input = data_dir().join("mnist-100.csv");
    let input = input.to_str().unwrap();
    let gap = |medoids: &str| -> Value {
        let output =
            cargo_bin_cmd!("banditpam").args(["swap-gap", input, "--medoids", medoids, "--quiet"]).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let pam = fit_json(&[input, "--k", "5", "--method", "pam"]);
    let medoids: Vec<String> = indices(&pam["medoids"]).iter().map(usize::to_string).collect();
    let certified = gap(&medoids.join(","));
    assert_eq!((certified["gap"].as_f64(), &certified["swap"]), (Some(0.0), &Value::Null));
    assert!(
        (certified["loss"].as_f64().unwrap() - pam["loss"].as_f64().unwrap()).abs()
            < 1e-9 * certified["loss"].as_f64().unwrap()
    );
    let arbitrary = gap("0,1,2,3,4");
    assert!(arbitrary["gap"].as_f64().unwrap() > 0.0);
    let swap = &arbitrary["swap"];
    assert_eq!(swap["removed"].as_u64().unwrap(), swap["position"].as_u64().unwrap());
    // Bad medoids: the fit's message, exit code 2.
    let output = cargo_bin_cmd!("banditpam").args(["swap-gap", input, "--medoids", "1,1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("appears twice"));
}

#[cfg(unix)]
#[test]
fn output_files_get_the_mode_a_plain_open_gives_and_keep_an_existing_one() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("points.csv");
    std::fs::write(&input, "0,0\n1,1\n5,5\n6,6\n").unwrap();
    let (result, labels) = (dir.path().join("result.json"), dir.path().join("labels.txt"));
    let existing = dir.path().join("existing.json");
    std::fs::write(&existing, "old").unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o604)).unwrap();
    let binary = assert_cmd::cargo::cargo_bin!("banditpam");
    let run = |output: &Path| {
        let script = format!(
            "umask 027; exec '{}' fit '{}' --k 2 --quiet --output '{}' --labels '{}'",
            binary.display(),
            input.display(),
            output.display(),
            labels.display()
        );
        let status = std::process::Command::new("sh").args(["-c", &script]).status().unwrap();
        assert!(status.success());
    };
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    run(&result);
    assert_eq!((mode(&result), mode(&labels)), (0o640, 0o640), "0666 less the umask 027");
    run(&existing);
    assert_eq!(mode(&existing), 0o604, "an existing file keeps its mode");
    assert!(std::fs::read_to_string(&existing).unwrap().contains("medoids"));
}

#[test]
fn other_delimiters_are_hinted_at_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let semicolons = dir.path().join("points.csv");
    std::fs::write(&semicolons, "0;0\n1;1\n5;5\n6;6\n").unwrap();
    let semicolons = semicolons.to_str().unwrap();
    let message = fit_error(&[semicolons, "--k", "2"], None);
    assert!(message.contains("--delimiter ';'"), "{message}");
    let fit = fit_json(&[semicolons, "--k", "2", "--delimiter", ";"]);
    assert_eq!(fit["n"], 4);
    // A comma-separated file read as TSV.
    let commas = dir.path().join("points.txt");
    std::fs::write(&commas, "0,0\n1,1\n5,5\n6,6\n").unwrap();
    let message = fit_error(&[commas.to_str().unwrap(), "--k", "2", "--format", "tsv"], None);
    assert!(message.contains("--delimiter ','"), "{message}");
    let bad = cargo_bin_cmd!("banditpam").args(["fit", semicolons, "--k", "2", "--delimiter", ";;"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn outputs_are_distinct_regular_files_or_written_in_place() {
    use std::os::unix::fs::FileTypeExt;

    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "0,0\n1,1\n5,5\n6,6\n").unwrap();
    let good = good.to_str().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

    // One file for two outputs: refused before the fit, nothing written.
    let same = path("same.json");
    let message = fit_error(&[good, "--k", "2", "--output", &same, "--labels", &same], None);
    assert!(message.contains("same file"), "{message}");
    assert!(!Path::new(&same).exists());
    // Also through a link to the other output.
    std::fs::write(path("target.json"), "old").unwrap();
    std::os::unix::fs::symlink("target.json", path("link.json")).unwrap();
    let message =
        fit_error(&[good, "--k", "2", "--output", &path("target.json"), "--labels", &path("link.json")], None);
    assert!(message.contains("same file"), "{message}");

    // A folder as the output: refused before anything is written, labels included.
    std::fs::create_dir(path("folder")).unwrap();
    std::fs::write(path("labels.txt"), "old labels").unwrap();
    let message = fit_error(&[good, "--k", "2", "--output", &path("folder"), "--labels", &path("labels.txt")], None);
    assert!(message.contains("folder"), "{message}");
    assert_eq!(std::fs::read_to_string(path("labels.txt")).unwrap(), "old labels");

    // A link is followed: its target gets the result, the link stays a link.
    let output =
        cargo_bin_cmd!("banditpam").args(["fit", good, "--k", "2", "-q", "--output", &path("link.json")]).output();
    assert!(output.unwrap().status.success());
    assert!(std::fs::symlink_metadata(path("link.json")).unwrap().file_type().is_symlink());
    let written: Value = serde_json::from_str(&std::fs::read_to_string(path("target.json")).unwrap()).unwrap();
    assert_eq!(written["k"], 2);

    // A FIFO is written in place (a rename would replace it with a regular file).
    let fifo = path("fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let output = cargo_bin_cmd!("banditpam").args(["fit", good, "--k", "2", "-q", "--labels", &fifo]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(reader.join().unwrap().lines().count(), 4);
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());

    // /dev/null stays a device; /dev/stdout gets the labels after the JSON, through the
    // descriptor the caller gave.
    let output =
        cargo_bin_cmd!("banditpam").args(["fit", good, "--k", "2", "-q", "--labels", "/dev/stdout"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() == 5 && lines[0].starts_with('{'), "{stdout}");
    let output =
        cargo_bin_cmd!("banditpam").args(["fit", good, "--k", "2", "-q", "--output", "/dev/null"]).output().unwrap();
    assert!(output.status.success() && output.stdout.is_empty());
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
}

#[test]
fn sizes_read_from_options_and_headers_are_bounded_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "0,0\n1,1\n5,5\n6,6\n9,9\n").unwrap();
    let good = good.to_str().unwrap();
    let message = fit_error(&[good, "--k", "2", "--columns", "1-100000000"], None);
    assert!(message.contains("column 100000000 is past the last column (2)"), "{message}");
    for range in ["2-1000000000000", "2-18446744073709551615"] {
        let output = cargo_bin_cmd!("banditpam").args(["select-k", good, "--k-range", range, "-q"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--k-range reaches k =") && stderr.contains("5 objects"), "{stderr}");
    }
    let output = cargo_bin_cmd!("banditpam").args(["select-k", good, "--k-range", "0-3", "-q"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--k-range") && stderr.contains("at least 2"), "{stderr}");
    // A .npy header that announces 4 GB in a 14-byte file.
    let npy = dir.path().join("liar.npy");
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend_from_slice(&4_000_000_000u32.to_le_bytes());
    bytes.extend_from_slice(b"{}");
    std::fs::write(&npy, bytes).unwrap();
    let message = fit_error(&[npy.to_str().unwrap(), "--k", "2"], None);
    assert!(message.contains("header announces more than the file's 14 bytes"), "{message}");
    // A field of megabytes is quoted by its first 40 characters.
    let garbage = dir.path().join("garbage.csv");
    std::fs::write(&garbage, format!("1,2\n3,{}\n5,6\n", "x".repeat(5_000_000))).unwrap();
    let message = fit_error(&[garbage.to_str().unwrap(), "--k", "2"], None);
    assert!(message.len() < 300 && message.contains(&format!("{}...", "x".repeat(40))), "{}", message.len());
}

#[test]
fn series_trees_and_string_metrics_from_lines() {
    let dir = tempfile::tempdir().unwrap();
    let series = dir.path().join("series.txt");
    std::fs::write(&series, "1,2,3\n1, 2 2 3\n9,9\n8,9,9,9\n1,2\n").unwrap();
    let series = series.to_str().unwrap();
    let json = fit_json(&[series, "--k", "2", "--metric", "dtw", "--method", "pam"]);
    assert_eq!(json["metric"], "dtw");
    assert_eq!(json["labels"], serde_json::json!([0, 0, 1, 1, 0]));
    assert_eq!(json["loss"], 2.0);
    // A window of 1 keeps the path near the diagonal (widened by the length difference).
    let windowed = fit_json(&[series, "--k", "2", "--metric", "dtw", "--metric-param", "window=1", "--method", "pam"]);
    assert!(windowed["loss"].as_f64().unwrap() >= 2.0);

    let trees = dir.path().join("trees.txt");
    std::fs::write(&trees, "{a{b}{c}}\n{a{b}}\n{x{y}{z}}\n{x{y}}\n").unwrap();
    let json = fit_json(&[trees.to_str().unwrap(), "--k", "2", "--metric", "tree-edit", "--method", "pam"]);
    assert_eq!(json["loss"], 2.0);
    assert_eq!(json["labels"], serde_json::json!([0, 0, 1, 1]));

    let words = dir.path().join("words.txt");
    std::fs::write(&words, "kitten\nsitting\nmitten\nbanana\nbandana\n").unwrap();
    let words = words.to_str().unwrap();
    for metric in ["levenshtein", "damerau-levenshtein", "osa", "indel", "jaro-winkler"] {
        let json = fit_json(&[words, "--k", "2", "--metric", metric]);
        assert_eq!(json["metric"], metric);
    }
    for (args, message) in [
        (vec![words, "--k", "2", "--metric", "hamming"], "one length for hamming"),
        (vec![series, "--k", "2", "--metric", "dtw", "--metric-param", "window=0"], "window must be >= 1"),
        (vec![series, "--k", "2", "--metric", "dtw", "--metric-param", "band=3"], "one of p (minkowski), window"),
        (vec![series, "--k", "2", "--metric", "dtw", "--metric-param", "window"], "NAME=VALUE"),
        (vec![words, "--k", "2", "--metric", "dtw"], "series 1: cannot read \"kitten\" as a number"),
        (vec![words, "--k", "2", "--metric", "tree-edit"], "tree 0"),
    ] {
        let error = fit_error(&args, None);
        assert!(error.contains(message), "{args:?}: {error}");
    }
}

#[test]
fn repeated_k_ranges_are_bounded_by_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "0,0\n1,1\n5,5\n6,6\n9,9\n").unwrap();
    let ranges = vec!["2-5"; 1000].join(",");
    let output =
        cargo_bin_cmd!("banditpam").args(["select-k", good.to_str().unwrap(), "--k-range", &ranges, "-q"]).output();
    let output = output.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("asks for 4000 values of k") && stderr.contains("at most 5"), "{stderr}");
}

#[test]
fn a_matrix_method_that_cannot_have_its_matrix_says_so_instead_of_running_for_hours() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("line.csv");
    let rows: Vec<Vec<f64>> = (0..12_000).map(|i| vec![i as f64]).collect();
    write_csv(&path, &rows, ",", false);
    let path = path.to_str().unwrap();
    for method in ["pam", "fastpam1", "fasterpam"] {
        let message = fit_error(&[path, "--k", "3", "--method", method, "--memory", "100M"], None);
        assert!(message.contains("n x n matrix") && message.contains("nearswap"), "{method}: {message}");
    }
    // nearswap needs no matrix.
    let json = fit_json(&[path, "--k", "3", "--method", "nearswap", "--memory", "100M"]);
    assert_eq!(json["medoids"].as_array().unwrap().len(), 3);
}

#[test]
fn a_tight_address_space_limit_still_gives_small_fits_their_matrix() {
    // Under `ulimit -v` of 60 MB the room left is a few tens of MB: a reserve of 256 MiB for
    // threads used to leave a budget of 0, and the default fit gave up PAM's matrix.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.csv");
    let rows: Vec<Vec<f64>> = (0..120).map(|i| vec![(i * 37 % 101) as f64, (i * 11 % 29) as f64]).collect();
    write_csv(&path, &rows, ",", false);
    let output = fit_under_address_limit(60_000, &path, "--k 3");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let limited: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(limited["matrix"], "float64");
    let free = fit_json(&[path.to_str().unwrap(), "--k", "3"]);
    assert_eq!(limited["medoids"], free["medoids"]);
}
