//! Sample weights: integer weights give the answer of repeating the objects, for every method.

use banditpam::{Algorithm, DenseData, Error, Init, KMedoids, Metric};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Points, integer weights 1-4, and the same points with each repeated `weight` times.
fn weighted_and_repeated(n: usize, d: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<f64> = (0..4 * d).map(|_| rng.random_range(-10.0..10.0)).collect();
    let points: Vec<f64> = (0..n)
        .flat_map(|i| (0..d).map(|j| centres[(i % 4) * d + j] + rng.random_range(-2.0..2.0)).collect::<Vec<_>>())
        .collect();
    let weights: Vec<f64> = (0..n).map(|_| rng.random_range(1..=4) as f64).collect();
    let mut repeated = Vec::new();
    let mut origin = Vec::new();
    for i in 0..n {
        for _ in 0..weights[i] as usize {
            repeated.extend_from_slice(&points[i * d..(i + 1) * d]);
            origin.push(i);
        }
    }
    (points, weights, repeated, origin)
}

#[test]
fn integer_weights_equal_repeated_rows_for_the_exact_methods() {
    for seed in 0..4 {
        let (points, weights, repeated, origin) = weighted_and_repeated(60, 3, seed);
        let data = DenseData::new(&points, 60, 3, Metric::L1).unwrap();
        let copies = DenseData::new(&repeated, origin.len(), 3, Metric::L1).unwrap();
        for algorithm in [Algorithm::Pam, Algorithm::FastPam1] {
            let weighted = KMedoids::new(4).algorithm(algorithm).weights(weights.clone()).fit(&data).unwrap();
            let plain = KMedoids::new(4).algorithm(algorithm).fit(&copies).unwrap();
            // Copies of an object are interchangeable: compare the objects the medoids are.
            let mut theirs: Vec<usize> = plain.medoids.iter().map(|&m| origin[m]).collect();
            let mut ours = weighted.medoids.clone();
            theirs.sort_unstable();
            ours.sort_unstable();
            assert_eq!(ours, theirs, "{algorithm}, seed {seed}");
            assert!(
                (weighted.loss - plain.loss).abs() < 1e-9 * plain.loss,
                "{algorithm}: {} vs {}",
                weighted.loss,
                plain.loss
            );
            assert!((weighted.average_loss - plain.average_loss).abs() < 1e-9 * plain.average_loss);
        }
    }
}

#[test]
fn every_method_minimises_the_weighted_loss() {
    let (points, weights, repeated, origin) = weighted_and_repeated(200, 4, 9);
    let data = DenseData::new(&points, 200, 4, Metric::L2).unwrap();
    let copies = DenseData::new(&repeated, origin.len(), 4, Metric::L2).unwrap();
    let pam = KMedoids::new(4).algorithm(Algorithm::FastPam1).fit(&copies).unwrap();
    for algorithm in Algorithm::ALL {
        let fit = KMedoids::new(4).algorithm(algorithm).seed(3).weights(weights.clone()).fit(&data).unwrap();
        // The reported loss is the weighted loss of the medoids, recomputed here.
        let loss: f64 = (0..200)
            .map(|j| {
                let x = &points[j * 4..j * 4 + 4];
                let nearest = fit
                    .medoids
                    .iter()
                    .map(|&m| {
                        points[m * 4..m * 4 + 4].iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt()
                    })
                    .fold(f64::INFINITY, f64::min);
                weights[j] * nearest
            })
            .sum();
        assert!((fit.loss - loss).abs() < 1e-9 * loss, "{algorithm}: {} vs {loss}", fit.loss);
        // Within a small margin of PAM on the repeated rows (the bandits agree with PAM).
        assert!(fit.loss <= pam.loss * 1.02, "{algorithm}: {} vs PAM {}", fit.loss, pam.loss);
        if matches!(algorithm, Algorithm::BanditPamPlusPlus | Algorithm::BanditPam) {
            let mut ours = fit.medoids.clone();
            let mut theirs: Vec<usize> = pam.medoids.iter().map(|&m| origin[m]).collect();
            ours.sort_unstable();
            theirs.sort_unstable();
            assert_eq!(ours, theirs, "{algorithm}");
        }
    }
}

#[test]
fn unit_weights_change_nothing_and_bad_weights_are_errors() {
    let (points, _, _, _) = weighted_and_repeated(80, 2, 5);
    let data = DenseData::new(&points, 80, 2, Metric::L2).unwrap();
    for algorithm in Algorithm::ALL {
        let plain = KMedoids::new(3).algorithm(algorithm).seed(1).fit(&data).unwrap();
        let ones = KMedoids::new(3).algorithm(algorithm).seed(1).weights(vec![1.0; 80]).fit(&data).unwrap();
        assert_eq!(ones.medoids, plain.medoids, "{algorithm}");
        assert_eq!(ones.loss, plain.loss, "{algorithm}");
    }
    // A zero weight: the object adds nothing to the loss.
    let mut weights = vec![1.0; 80];
    weights[7] = 0.0;
    let fit = KMedoids::new(3).algorithm(Algorithm::Pam).init(Init::Build).weights(weights).fit(&data).unwrap();
    assert!(fit.loss.is_finite());
    for (weights, message) in [
        (vec![1.0; 79], "one weight per object"),
        ([vec![1.0; 79], vec![-1.0]].concat(), "non-negative"),
        ([vec![1.0; 79], vec![f64::NAN]].concat(), "finite"),
        (vec![0.0; 80], "not all zero"),
        (vec![1e308; 80], "finite sum"),
    ] {
        let e = KMedoids::new(3).weights(weights).fit(&data).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { name: "weights", .. }), "{e}");
        assert!(e.to_string().contains(message), "{e}");
    }
}

/// Weights of any scale: a power of two times small integers gives the small integers' medoids
/// and their loss times that power, exactly, for every method; a loss beyond float64 is a
/// typed error naming the weights, never a panic or an infinite loss.
#[test]
fn weights_of_any_scale_give_the_same_choices_or_a_clear_error() {
    let (points, weights, _, _) = weighted_and_repeated(120, 3, 9);
    // Distances near 1e10: the data scaled up.
    let big: Vec<f64> = points.iter().map(|v| v * 1e10).collect();
    let data = DenseData::new(&big, 120, 3, Metric::L2).unwrap();
    for algorithm in Algorithm::ALL {
        let params = KMedoids::new(4).algorithm(algorithm).seed(5);
        let plain = params.clone().weights(weights.clone()).fit(&data).unwrap();
        for exponent in [960, -1000] {
            let factor = |v: f64| v * 2f64.powi(exponent / 2) * 2f64.powi(exponent - exponent / 2);
            let scaled: Vec<f64> = weights.iter().map(|&w| factor(w)).collect();
            let fit = params.clone().weights(scaled).fit(&data).unwrap();
            assert_eq!(fit.medoids, plain.medoids, "{algorithm} 2^{exponent}");
            assert_eq!(fit.loss, factor(plain.loss), "{algorithm} 2^{exponent}");
            assert_eq!(fit.average_loss, plain.average_loss, "{algorithm} 2^{exponent}");
        }
        // 1e300 x 1e10 x n: beyond float64.
        let huge: Vec<f64> = weights.iter().map(|w| w * 1e300).collect();
        let refused = params.clone().weights(huge).fit(&data);
        assert!(matches!(refused, Err(Error::InvalidParameter { name: "weights", .. })), "{algorithm}: {refused:?}");
    }
}
