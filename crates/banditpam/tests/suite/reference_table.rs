//! The reference cases of docs/ALGORITHMS.md: PAM's exact answers on `data/mnist-100.csv`,
//! reproduced by PAM and FastPAM1 (and on a prebuilt matrix), BanditPAM and BanditPAM++.

use banditpam::{Algorithm, DenseData, KMedoids, MatrixPrecision, Metric};

struct Case {
    metric: Metric,
    k: usize,
    build: &'static [usize],
    fin: &'static [usize],
    average_loss: f64,
}

const CASES: &[Case] = &[
    Case { metric: Metric::L2, k: 5, build: &[16, 24, 32, 70, 87], fin: &[23, 30, 49, 70, 99], average_loss: 7.825097 },
    Case {
        metric: Metric::L2,
        k: 10,
        build: &[16, 24, 32, 49, 70, 82, 87, 90, 94, 99],
        fin: &[16, 25, 31, 49, 63, 70, 82, 90, 94, 99],
        average_loss: 6.991107,
    },
    Case { metric: Metric::L1, k: 5, build: &[3, 49, 70, 87, 99], fin: &[3, 49, 70, 87, 99], average_loss: 86.938471 },
    Case {
        metric: Metric::Cosine,
        k: 5,
        build: &[53, 64, 73, 85, 97],
        fin: &[53, 73, 76, 85, 97],
        average_loss: 0.341601,
    },
];

fn sorted(v: &[usize]) -> Vec<usize> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v
}

fn check(algorithm: Algorithm, precompute: Option<MatrixPrecision>) {
    let values = crate::common::mnist_100();
    for case in CASES {
        let data = DenseData::new(&values, 100, 784, case.metric).unwrap();
        let fit = KMedoids::new(case.k).algorithm(algorithm).precompute(precompute).fit(&data).unwrap();
        let label = format!("{algorithm} {} k={} matrix={precompute:?}", case.metric, case.k);
        assert_eq!(sorted(&fit.build_medoids), case.build, "BUILD medoids, {label}");
        assert_eq!(fit.sorted_medoids(), case.fin, "final medoids, {label}");
        assert!(
            (fit.average_loss - case.average_loss).abs() < 1e-6,
            "average loss {} vs {}, {label}",
            fit.average_loss,
            case.average_loss
        );
        assert!(fit.converged, "{label}");
    }
}

#[test]
fn pam_reproduces_the_reference_table() {
    check(Algorithm::Pam, None);
}

#[test]
fn fastpam1_reproduces_the_reference_table() {
    check(Algorithm::FastPam1, None);
}

#[test]
fn banditpam_plus_plus_reproduces_the_reference_table() {
    check(Algorithm::BanditPamPlusPlus, None);
}

#[test]
fn banditpam_reproduces_the_reference_table() {
    check(Algorithm::BanditPam, None);
}

#[test]
fn fastpam1_on_a_prebuilt_matrix_reproduces_the_reference_table() {
    check(Algorithm::FastPam1, Some(MatrixPrecision::Double));
    check(Algorithm::FastPam1, Some(MatrixPrecision::Single));
}

#[test]
fn the_reference_losses_match_a_brute_force_sum() {
    // Independent of every algorithm: the table's loss recomputed pair by pair.
    let values = crate::common::mnist_100();
    let row = |i: usize| &values[i * 784..(i + 1) * 784];
    for case in CASES {
        let total: f64 = (0..100)
            .map(|j| case.fin.iter().map(|&m| case.metric.distance(row(m), row(j))).fold(f64::INFINITY, f64::min))
            .sum();
        assert!((total / 100.0 - case.average_loss).abs() < 1e-6);
    }
}
