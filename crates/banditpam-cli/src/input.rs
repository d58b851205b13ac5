//! Reading the data to cluster: CSV/TSV numbers, `.npy` arrays, or one object per line.

use std::io::Read;
use std::path::{Path, PathBuf};

use npyz::{DType, NpyFile, Order, TypeChar};

use crate::CliError;

/// The file formats `fit` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// From the extension: `.npy`, `.tsv`/`.tab`, otherwise CSV (or lines for levenshtein).
    Auto,
    /// Comma-separated numbers, one row per line.
    Csv,
    /// Tab-separated numbers.
    Tsv,
    /// A NumPy `.npy` array of float32 or float64, C or Fortran order.
    Npy,
    /// One object (a string) per line.
    Lines,
}

/// A data set as read from a file, rows in row-major order.
pub enum Table {
    /// `n x d` float32 values (from a float32 `.npy`).
    F32 { values: Vec<f32>, n: usize, d: usize },
    /// `n x d` float64 values.
    F64 { values: Vec<f64>, n: usize, d: usize },
    /// One string per line.
    Lines(Vec<String>),
}

/// Where the input comes from: a path, or standard input for `-`.
pub fn read_bytes(input: &Path) -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    let result = if input == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(input).and_then(|mut f| f.read_to_end(&mut bytes)).map(|_| ())
    };
    result.map_err(|e| CliError::Io { path: input.to_path_buf(), message: e.to_string() })?;
    Ok(bytes)
}

/// The concrete format of `input`: `format` unless it is `Auto`.
pub fn resolve(format: Format, input: &Path, strings: bool) -> Format {
    if format != Format::Auto {
        return format;
    }
    let ext = input.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "npy" => Format::Npy,
        "tsv" | "tab" => Format::Tsv,
        _ if strings => Format::Lines,
        _ => Format::Csv,
    }
}

/// Reads `input` in `format` (already resolved); `header` skips a first line of column names.
pub fn read(input: &Path, format: Format, header: bool) -> Result<Table, CliError> {
    let bytes = read_bytes(input)?;
    let path = input.to_path_buf();
    match format {
        Format::Npy => read_npy(&bytes, path),
        Format::Lines => read_lines(&bytes, path, header),
        Format::Tsv => read_delimited(&bytes, b'\t', header, path),
        Format::Csv | Format::Auto => read_delimited(&bytes, b',', header, path),
    }
}

fn read_lines(bytes: &[u8], path: PathBuf, header: bool) -> Result<Table, CliError> {
    let text =
        std::str::from_utf8(bytes).map_err(|e| CliError::Input { path, message: format!("not UTF-8 text: {e}") })?;
    let lines: Vec<String> = text.lines().skip(usize::from(header)).map(str::to_string).collect();
    Ok(Table::Lines(lines))
}

fn read_delimited(bytes: &[u8], delimiter: u8, header: bool, path: PathBuf) -> Result<Table, CliError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(header)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(bytes);
    let mut values = Vec::new();
    let mut width = None;
    let mut n = 0;
    for record in reader.records() {
        let record = record.map_err(|e| CliError::Input { path: path.clone(), message: e.to_string() })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let expected = *width.get_or_insert(record.len());
        if record.len() != expected {
            return Err(CliError::Input {
                path,
                message: format!("line {line} has {} values, but the first row has {expected}", record.len()),
            });
        }
        for (col, field) in record.iter().enumerate() {
            let value: f64 = field.parse().map_err(|_| CliError::Input {
                path: path.clone(),
                message: format!("line {line}, column {}: cannot read {field:?} as a number", col + 1),
            })?;
            if !value.is_finite() {
                return Err(CliError::Input {
                    path,
                    message: format!("line {line}, column {}: the value {field} is not finite", col + 1),
                });
            }
            values.push(value);
        }
        n += 1;
    }
    let d = width.unwrap_or(0);
    Ok(Table::F64 { values, n, d })
}

fn read_npy(bytes: &[u8], path: PathBuf) -> Result<Table, CliError> {
    let bad = |message: String| CliError::Input { path: path.clone(), message };
    let file = NpyFile::new(bytes).map_err(|e| bad(format!("not a valid .npy file: {e}")))?;
    let shape: Vec<usize> = file.shape().iter().map(|&s| s as usize).collect();
    let [n, d] = shape[..] else {
        return Err(bad(format!("a 2-D array is needed, this one has shape {shape:?}")));
    };
    let fortran = file.order() == Order::Fortran;
    let float_size = match file.dtype() {
        DType::Plain(ty) if ty.type_char() == TypeChar::Float => ty.size_field(),
        other => {
            return Err(bad(format!("unsupported dtype {}: save the array as float32 or float64", other.descr())));
        }
    };
    // Check the announced shape against the bytes present before allocating for it.
    let announced = n.checked_mul(d).and_then(|values| values.checked_mul(float_size as usize));
    let present = npy_data_len(bytes);
    if announced != present {
        let announced = announced.map_or("more than can be addressed".to_string(), |b| format!("{b} bytes"));
        let present = present.map_or("an unreadable header".to_string(), |b| format!("{b} bytes of data"));
        return Err(bad(format!(
            "the .npy header announces shape {shape:?} of {float_size}-byte floats ({announced}), but the file holds {present}"
        )));
    }
    let read_err = |e: std::io::Error| bad(format!("cannot read the array: {e}"));
    match float_size {
        4 => {
            let values = row_major(file.into_vec::<f32>().map_err(read_err)?, n, d, fortran);
            Ok(Table::F32 { values, n, d })
        }
        8 => {
            let values = row_major(file.into_vec::<f64>().map_err(read_err)?, n, d, fortran);
            Ok(Table::F64 { values, n, d })
        }
        size => Err(bad(format!("unsupported float size of {size} bytes: save as float32 or float64"))),
    }
}

/// The bytes after a `.npy` header: the magic string and version (8 bytes), the header's
/// length (2 bytes in version 1, 4 in later ones), then the header.
fn npy_data_len(bytes: &[u8]) -> Option<usize> {
    let major = *bytes.get(6)?;
    let (field, len) = if major == 1 {
        (10, u16::from_le_bytes([*bytes.get(8)?, *bytes.get(9)?]) as usize)
    } else {
        (12, u32::from_le_bytes(bytes.get(8..12)?.try_into().ok()?) as usize)
    };
    bytes.len().checked_sub(field + len)
}

/// Values in row-major order, transposing a Fortran-order (column-major) array.
fn row_major<T: Copy>(values: Vec<T>, n: usize, d: usize, fortran: bool) -> Vec<T> {
    if !fortran {
        return values;
    }
    (0..n).flat_map(|i| (0..d).map(move |j| (i, j))).map(|(i, j)| values[j * n + i]).collect()
}
