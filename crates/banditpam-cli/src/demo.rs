//! `banditpam demo`: cluster the bundled MNIST test digits, report how well each medoid's digit
//! matches its cluster, and draw the medoids: the cluster centres are real images.

use std::io::Read;
use std::path::PathBuf;

use banditpam::{DenseData, Metric};
use base64::Engine;

use crate::output::{self, StagedFile};
use crate::progress::Progress;
use crate::report::{Report, Run};
use crate::{CliError, CommonArgs};

/// The 10,000 MNIST test images and their labels, in the binary so the demo runs anywhere.
const IMAGES_GZ: &[u8] = include_bytes!("../../../data/mnist-t10k-images-idx3-ubyte.gz");
const LABELS_GZ: &[u8] = include_bytes!("../../../data/mnist-t10k-labels-idx1-ubyte.gz");
const SIDE: usize = 28;
const PIXELS: usize = SIDE * SIDE;
const AVAILABLE: usize = 10_000;

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Number of digits (the first n of the test set, at most 10,000).
    #[arg(long, default_value_t = AVAILABLE)]
    n: usize,
    /// Number of clusters.
    #[arg(short, long, default_value_t = 10)]
    k: usize,
    /// Metric on the pixel vectors.
    #[arg(long, default_value = "l2")]
    metric: String,
    #[command(flatten)]
    common: CommonArgs,
    /// Where to draw the medoids (SVG).
    #[arg(long, default_value = "medoids.svg")]
    out: PathBuf,
}

impl Default for DemoArgs {
    fn default() -> Self {
        DemoArgs {
            n: AVAILABLE,
            k: 10,
            metric: "l2".into(),
            common: CommonArgs::default(),
            out: PathBuf::from("medoids.svg"),
        }
    }
}

fn gunzip(bytes: &[u8], skip: usize) -> Result<Vec<u8>, CliError> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| CliError::Usage(format!("the bundled MNIST data is damaged: {e}")))?;
    Ok(out.split_off(skip.min(out.len())))
}

pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    if args.n == 0 || args.n > AVAILABLE {
        return Err(CliError::Usage(format!("--n must be between 1 and {AVAILABLE}, got {}", args.n)));
    }
    let metric: Metric = args.metric.parse()?;
    let params = args.common.params(args.k)?;
    let pixels = gunzip(IMAGES_GZ, 16)?;
    let labels = gunzip(LABELS_GZ, 8)?;
    let pixels = &pixels[..args.n * PIXELS];
    let values: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    let data = DenseData::new(&values, args.n, PIXELS, metric)?;

    let picture = StagedFile::new(&args.out)?;
    output::print(&format!("clustering the first {} MNIST test digits into k = {} clusters", args.n, args.k))?;
    let progress = Progress::new(args.common.quiet);
    let fit = params.fit_with_observer(&data, &progress)?;
    progress.finish();

    let mut members = vec![Vec::new(); args.k];
    for (j, &label) in fit.labels.iter().enumerate() {
        members[label].push(j);
    }
    let run = Run {
        n: args.n,
        d: Some(PIXELS),
        k: args.k,
        metric: metric.to_string(),
        seed: args.common.seed(),
        threads: args.common.thread_count(),
    };
    let report = Report::new(run, fit, None);
    output::print(&report.summary())?;
    output::print("\ncluster  medoid  digit  size   members showing the medoid's digit")?;
    let mut agreeing = 0;
    for (i, (&medoid, cluster)) in report.fit.medoids.iter().zip(&members).enumerate() {
        let digit = labels[medoid];
        let same = cluster.iter().filter(|&&j| labels[j] == digit).count();
        agreeing += same;
        let share = 100.0 * same as f64 / cluster.len().max(1) as f64;
        output::print(&format!("{i:>7}  {medoid:>6}  {digit:>5}  {:>5}  {share:5.1}%", cluster.len()))?;
    }
    output::print(&format!(
        "\n{:.1}% of all digits share their medoid's label (no label was used to cluster)",
        100.0 * agreeing as f64 / args.n as f64
    ))?;

    let svg = draw(pixels, &report.fit.medoids, &members, &labels)?;
    output::write_all(vec![(picture, svg)])?;
    output::print(&format!("the medoids, which are real images: {}", args.out.display()))?;
    Ok(())
}

/// The medoid images in a row, each with its digit label and cluster size, as SVG with each
/// image an embedded PNG.
fn draw(pixels: &[u8], medoids: &[usize], members: &[Vec<usize>], labels: &[u8]) -> Result<String, CliError> {
    const SCALE: usize = 3;
    const GAP: usize = 16;
    let cell = SIDE * SCALE;
    let width = medoids.len() * (cell + GAP) + GAP;
    let height = cell + 90;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{GAP}\" y=\"24\" font-size=\"16\">The {} medoids of {} MNIST digits: each is a real image</text>\n",
        medoids.len(),
        labels.len().min(pixels.len() / PIXELS)
    );
    for (i, &m) in medoids.iter().enumerate() {
        // Dark ink on white paper.
        let image: Vec<u8> = pixels[m * PIXELS..(m + 1) * PIXELS].iter().map(|&p| 255 - p).collect();
        let png = encode_png(&image)?;
        let x = GAP + i * (cell + GAP);
        svg.push_str(&format!(
            "<image x=\"{x}\" y=\"40\" width=\"{cell}\" height=\"{cell}\" style=\"image-rendering:pixelated\" \
             href=\"data:image/png;base64,{}\"/>\n\
             <text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\">digit {}</text>\n\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#555\">{} points</text>\n",
            base64::engine::general_purpose::STANDARD.encode(png),
            x + cell / 2,
            40 + cell + 20,
            labels[m],
            x + cell / 2,
            40 + cell + 38,
            members[i].len(),
        ));
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}

fn encode_png(gray: &[u8]) -> Result<Vec<u8>, CliError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, SIDE as u32, SIDE as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let failed = |e: png::EncodingError| CliError::Usage(format!("cannot encode a medoid image: {e}"));
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(gray).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}
