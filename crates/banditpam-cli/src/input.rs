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
    /// A NumPy `.npy` 2-D array of floats or integers, C or Fortran order.
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

/// Columns to keep, as given to `--columns`: 1-based numbers or header names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Number(usize),
    /// `a-b`, both ends included; kept as a range (not expanded) until the table's width is
    /// known, so that `1-100000000` allocates nothing.
    Range(usize, usize),
    Name(String),
}

/// The value of `--columns`: the columns to keep, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Columns(pub Vec<Column>);

/// Parses `--columns`: a comma-separated list of 1-based numbers, `a-b` ranges, or names.
pub fn parse_columns(text: &str) -> Result<Columns, String> {
    let mut columns = Vec::new();
    for part in text.split(',').map(str::trim) {
        if part.is_empty() {
            return Err(format!("empty column in {text:?}"));
        }
        let number = |t: &str| match t.trim().parse::<usize>() {
            Ok(0) => Err("columns are numbered from 1".to_string()),
            Ok(j) => Ok(Some(j)),
            Err(_) => Ok(None),
        };
        match part.split_once('-').map(|(a, b)| (number(a), number(b))) {
            Some((Ok(Some(a)), Ok(Some(b)))) if a <= b => columns.push(Column::Range(a, b)),
            Some((Ok(Some(a)), Ok(Some(b)))) => return Err(format!("the range {a}-{b} runs backwards")),
            _ => match number(part)? {
                Some(j) => columns.push(Column::Number(j)),
                None => columns.push(Column::Name(part.to_string())),
            },
        }
    }
    Ok(Columns(columns))
}

/// How to read a table: the first line's role and the columns to keep.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The first line holds column names.
    pub header: bool,
    /// Keep only these columns (all when `None`).
    pub columns: Option<Vec<Column>>,
    /// Read this column as the sample weights (and not as a feature).
    pub weight_column: Option<Column>,
    /// The field delimiter of a table, instead of the format's (`,` for CSV, tab for TSV).
    pub delimiter: Option<u8>,
}

/// At most the first 40 characters of `text`, marked when cut: what an error message quotes of
/// a field, so that a garbage field of megabytes does not flood the terminal.
pub fn excerpt(text: &str) -> String {
    let mut short: String = text.chars().take(40).collect();
    if text.chars().nth(40).is_some() {
        short.push_str("...");
    }
    short
}

/// Series from lines of comma-separated numbers (spaces and tabs also separate), one per line:
/// the input of `--metric dtw`.
pub fn series(lines: &[String]) -> Result<Vec<Vec<f64>>, CliError> {
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            line.split(|c: char| c == ',' || c.is_whitespace())
                .filter(|field| !field.is_empty())
                .map(|field| {
                    field.parse::<f64>().map_err(|_| {
                        CliError::Usage(format!("series {}: cannot read {:?} as a number", i + 1, excerpt(field)))
                    })
                })
                .collect()
        })
        .collect()
}

/// Reads `input` in `format` (already resolved): the table, and the weight column if asked.
pub fn read(input: &Path, format: Format, options: &ReadOptions) -> Result<(Table, Option<Vec<f64>>), CliError> {
    let bytes = read_bytes(input)?;
    let path = input.to_path_buf();
    if options.columns.is_some() && format == Format::Lines {
        return Err(CliError::Usage("--columns picks columns of a table; text input has none".into()));
    }
    if options.weight_column.is_some() && !matches!(format, Format::Csv | Format::Tsv | Format::Auto) {
        return Err(CliError::Usage("--weight-column reads a CSV/TSV column: use --weights FILE".into()));
    }
    match format {
        Format::Npy => {
            Ok((select_npy_columns(read_npy(&bytes, path.clone())?, options.columns.as_deref(), path)?, None))
        }
        Format::Lines => Ok((read_lines(&bytes, path, options.header)?, None)),
        Format::Tsv => read_delimited(&bytes, options.delimiter.unwrap_or(b'\t'), options, path),
        Format::Csv | Format::Auto => read_delimited(&bytes, options.delimiter.unwrap_or(b','), options, path),
    }
}

/// Sample weights from a file of one number per line (blank lines and `#` comments skipped).
pub fn read_weights(input: &Path) -> Result<Vec<f64>, CliError> {
    parse_weights(&read_bytes(input)?, input)
}

/// The weights in `bytes`, the contents of the file `input`.
pub(crate) fn parse_weights(bytes: &[u8], input: &Path) -> Result<Vec<f64>, CliError> {
    let bad = |message: String| CliError::Input { path: input.to_path_buf(), message };
    let text = std::str::from_utf8(bytes).map_err(|e| bad(format!("not UTF-8 text: {e}")))?;
    let mut weights = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let value: f64 = line
            .parse()
            .map_err(|_| bad(format!("line {}: cannot read {:?} as a weight", number + 1, excerpt(line))))?;
        weights.push(value);
    }
    Ok(weights)
}

/// Positions (0-based) of `columns` among `names` (the header, if any) for a table `width` wide.
pub(crate) fn column_positions(
    columns: &[Column],
    names: Option<&csv::StringRecord>,
    width: usize,
) -> Result<Vec<usize>, String> {
    let mut positions = Vec::new();
    for column in columns {
        match column {
            Column::Number(j) | Column::Range(_, j) if *j > width => {
                return Err(format!("column {j} is past the last column ({width})"))
            }
            Column::Number(j) => positions.push(j - 1),
            Column::Range(a, b) => positions.extend(a - 1..*b),
            Column::Name(name) => {
                let Some(names) = names else {
                    return Err(format!("column {name:?} is a name: add --header (or give column numbers)"));
                };
                positions.push(names.iter().position(|n| n == name).ok_or_else(|| {
                    let known: Vec<&str> = names.iter().collect();
                    format!("no column named {name:?}; the header has {known:?}")
                })?);
            }
        }
    }
    Ok(positions)
}

/// An `.npy` table with only the chosen columns (by number: an array has no names).
fn select_npy_columns(table: Table, columns: Option<&[Column]>, path: PathBuf) -> Result<Table, CliError> {
    let Some(columns) = columns else { return Ok(table) };
    let bad = |message: String| CliError::Input { path: path.clone(), message };
    fn pick<T: Copy>(values: &[T], d: usize, keep: &[usize]) -> Vec<T> {
        values.chunks_exact(d.max(1)).flat_map(|row| keep.iter().map(move |&j| row[j])).collect()
    }
    match table {
        Table::F32 { values, n, d } => {
            let keep = column_positions(columns, None, d).map_err(bad)?;
            Ok(Table::F32 { values: pick(&values, d, &keep), n, d: keep.len() })
        }
        Table::F64 { values, n, d } => {
            let keep = column_positions(columns, None, d).map_err(bad)?;
            Ok(Table::F64 { values: pick(&values, d, &keep), n, d: keep.len() })
        }
        Table::Lines(lines) => Ok(Table::Lines(lines)),
    }
}

fn read_lines(bytes: &[u8], path: PathBuf, header: bool) -> Result<Table, CliError> {
    let text =
        std::str::from_utf8(bytes).map_err(|e| CliError::Input { path, message: format!("not UTF-8 text: {e}") })?;
    let lines: Vec<String> = text.lines().skip(usize::from(header)).map(str::to_string).collect();
    Ok(Table::Lines(lines))
}

pub(crate) fn read_delimited(
    bytes: &[u8],
    delimiter: u8,
    options: &ReadOptions,
    path: PathBuf,
) -> Result<(Table, Option<Vec<f64>>), CliError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(options.header)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(bytes);
    let names = if options.header {
        Some(reader.headers().map_err(|e| CliError::Input { path: path.clone(), message: e.to_string() })?.clone())
    } else {
        None
    };
    let mut values = Vec::new();
    let mut width = None;
    let mut keep: Option<Vec<usize>> = None;
    let mut weight_at: Option<usize> = None;
    let mut weights = Vec::new();
    let mut n = 0;
    let mut records = reader.records();
    while let Some(record) = records.next() {
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
        let keep = match &mut keep {
            Some(keep) => keep,
            None => {
                let bad = |message| CliError::Input { path: path.clone(), message };
                if let Some(column) = &options.weight_column {
                    let position =
                        column_positions(std::slice::from_ref(column), names.as_ref(), expected).map_err(bad)?;
                    weight_at = position.first().copied();
                }
                keep.insert(match &options.columns {
                    Some(columns) => column_positions(columns, names.as_ref(), expected).map_err(bad)?,
                    None => (0..expected).filter(|&j| Some(j) != weight_at).collect(),
                })
            }
        };
        if let Some(at) = weight_at {
            let field = &record[at];
            let weight = field.parse::<f64>().map_err(|_| CliError::Input {
                path: path.clone(),
                message: format!("line {line}, column {}: cannot read {:?} as a weight", at + 1, excerpt(field)),
            })?;
            weights.push(weight);
        }
        for &col in keep.iter() {
            let field = &record[col];
            let Ok(value) = field.parse::<f64>() else {
                let mut message =
                    format!("line {line}, column {}: cannot read {:?} as a number", col + 1, excerpt(field));
                if n == 0 {
                    message += &first_line_hint(&record, records.next(), options.header, delimiter);
                }
                return Err(CliError::Input { path, message });
            };
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
    let d = keep.map_or(width.unwrap_or(0), |keep| keep.len());
    Ok((Table::F64 { values, n, d }, options.weight_column.as_ref().map(|_| weights)))
}

/// What to suggest when the first row is not numbers: another delimiter if the row's fields
/// split into numbers by one, a header if the next row is numbers, the strings reader if the
/// rows are single words or phrases.
fn first_line_hint(
    first: &csv::StringRecord,
    next: Option<csv::Result<csv::StringRecord>>,
    header: bool,
    delimiter: u8,
) -> String {
    let numeric = |r: &csv::StringRecord| r.iter().all(|f| f.parse::<f64>().is_ok());
    let splits_into_numbers = |by: u8| {
        let by = char::from(by);
        first.iter().all(|field| {
            let parts: Vec<&str> = field.split(by).map(str::trim).collect();
            parts.len() > 1 && parts.iter().all(|p| p.parse::<f64>().is_ok())
        })
    };
    if let Some(&other) = COMMON_DELIMITERS.iter().find(|&&d| d != delimiter && splits_into_numbers(d)) {
        let shown = if other == b'\t' { "\\t".to_string() } else { char::from(other).to_string() };
        return format!("; the values look separated by {shown:?}: add --delimiter '{shown}'");
    }
    match next {
        Some(Ok(next)) if !header && numeric(&next) => "; line 1 looks like a header: add --header".into(),
        _ if first.len() == 1 => "; text input? use --metric levenshtein (one string per line)".into(),
        _ if !header => "; if line 1 holds column names, add --header; pick numeric columns with --columns".into(),
        _ => "; pick the numeric columns with --columns".into(),
    }
}

/// The delimiters a table's hint looks for.
const COMMON_DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// `--delimiter`: one ASCII character, or `\t` for a tab.
pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "\\t" | "tab" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() && text != "\"" && text != "#" => Ok(text.as_bytes()[0]),
        _ => Err(format!("{text:?} is not a delimiter: give one ASCII character (not a quote or #), or \\t")),
    }
}

pub(crate) fn read_npy(bytes: &[u8], path: PathBuf) -> Result<Table, CliError> {
    let bad = |message: String| CliError::Input { path: path.clone(), message };
    // The header's announced length, checked against the file before the parser allocates it.
    if bytes.starts_with(b"\x93NUMPY") && npy_data_len(bytes).is_none() {
        return Err(bad(format!(
            "not a valid .npy file: its header announces more than the file's {} bytes",
            bytes.len()
        )));
    }
    let file = NpyFile::new(bytes).map_err(|e| {
        // The parser's message can span lines (a dump of the header): its first line says it.
        let message = e.to_string();
        bad(format!("not a valid .npy file: {}", message.lines().next().unwrap_or("unreadable header")))
    })?;
    let shape: Vec<usize> = file.shape().iter().map(|&s| s as usize).collect();
    let [n, d] = shape[..] else {
        return Err(bad(format!("a 2-D array is needed, this one has shape {shape:?}")));
    };
    let fortran = file.order() == Order::Fortran;
    let (kind, item_size) = match file.dtype() {
        DType::Plain(ty) if matches!(ty.type_char(), TypeChar::Float | TypeChar::Int | TypeChar::Uint) => {
            (ty.type_char(), ty.size_field())
        }
        other => {
            return Err(bad(format!(
                "unsupported dtype {}: save the array as floats or integers (float32, float64, int8-int64, uint8-uint64)",
                other.descr()
            )));
        }
    };
    // Check the announced shape against the bytes present before allocating for it.
    let announced = n.checked_mul(d).and_then(|values| values.checked_mul(item_size as usize));
    let present = npy_data_len(bytes);
    if announced != present {
        let announced = announced.map_or("more than can be addressed".to_string(), |b| format!("{b} bytes"));
        let present = present.map_or("an unreadable header".to_string(), |b| format!("{b} bytes of data"));
        return Err(bad(format!(
            "the .npy header announces shape {shape:?} of {item_size}-byte values ({announced}), but the file holds {present}"
        )));
    }
    let read_err = |e: std::io::Error| bad(format!("cannot read the array: {e}"));
    // Integers are read as float64 (exact up to 2^53).
    let ints = |values: Vec<f64>| Ok(Table::F64 { values: row_major(values, n, d, fortran), n, d });
    match (kind, item_size) {
        (TypeChar::Int, 1) => ints(file.into_vec::<i8>().map_err(read_err)?.into_iter().map(f64::from).collect()),
        (TypeChar::Int, 2) => ints(file.into_vec::<i16>().map_err(read_err)?.into_iter().map(f64::from).collect()),
        (TypeChar::Int, 4) => ints(file.into_vec::<i32>().map_err(read_err)?.into_iter().map(f64::from).collect()),
        (TypeChar::Int, 8) => ints(file.into_vec::<i64>().map_err(read_err)?.into_iter().map(|v| v as f64).collect()),
        (TypeChar::Uint, 1) => ints(file.into_vec::<u8>().map_err(read_err)?.into_iter().map(f64::from).collect()),
        (TypeChar::Uint, 2) => ints(file.into_vec::<u16>().map_err(read_err)?.into_iter().map(f64::from).collect()),
        (TypeChar::Uint, 4) => ints(file.into_vec::<u32>().map_err(read_err)?.into_iter().map(f64::from).collect()),
        (TypeChar::Uint, 8) => ints(file.into_vec::<u64>().map_err(read_err)?.into_iter().map(|v| v as f64).collect()),
        (TypeChar::Float, 4) => {
            let values = row_major(file.into_vec::<f32>().map_err(read_err)?, n, d, fortran);
            Ok(Table::F32 { values, n, d })
        }
        (TypeChar::Float, 8) => {
            let values = row_major(file.into_vec::<f64>().map_err(read_err)?, n, d, fortran);
            Ok(Table::F64 { values, n, d })
        }
        (_, size) => Err(bad(format!("unsupported element size of {size} bytes: save as float32 or float64"))),
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
