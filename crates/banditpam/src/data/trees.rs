//! Ordered labelled trees under the unit-cost tree edit distance (Zhang and Shasha, 1989):
//! the least number of node deletions, insertions and relabellings that turn one tree into
//! the other.

use std::collections::HashMap;

use crate::error::{Error, Result};

use super::Dissimilarity;

/// Cells of the forest-distance table computed between two checks for cancellation.
const CELLS_PER_CHECK: usize = 1 << 20;

/// A tree in postorder: each node's label (interned) and the postorder index of its leftmost
/// leaf, and the key roots (the highest node of each leftmost leaf), ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    labels: Vec<u32>,
    leftmost: Vec<usize>,
    keyroots: Vec<usize>,
}

impl Tree {
    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the tree has no node (never true for a parsed tree).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// Reads trees in bracket notation, `{a{b}{c}}` (a root labelled `a` with the children `b`
/// and `c`): APTED's format. A label is any text without unescaped braces; `\{`, `\}` and `\\`
/// stand for the characters themselves. Labels are interned across all the trees read by one
/// parser, so that comparing two labels is comparing two numbers.
#[derive(Debug, Default)]
pub struct TreeParser {
    labels: HashMap<String, u32>,
}

impl TreeParser {
    /// Parses one tree.
    ///
    /// Errors: [`Error::InvalidParameter`] naming the position of the first problem.
    pub fn parse(&mut self, text: &str) -> Result<Tree> {
        let bad = |at: usize, what: &str| Error::InvalidParameter {
            name: "tree",
            expected: "bracket notation such as {a{b}{c}}",
            value: format!("{what} at character {at} of {:?}", shorten(text)),
        };
        let chars: Vec<char> = text.trim().chars().collect();
        let mut labels = Vec::new();
        let mut leftmost = Vec::new();
        // The open nodes: (label, postorder index of its leftmost leaf once known).
        let mut open: Vec<(String, Option<usize>)> = Vec::new();
        let mut at = 0;
        let mut finished = false;
        while at < chars.len() {
            match chars[at] {
                '{' if !finished => {
                    at += 1;
                    let mut label = String::new();
                    while at < chars.len() && chars[at] != '{' && chars[at] != '}' {
                        if chars[at] == '\\' && at + 1 < chars.len() {
                            at += 1;
                        }
                        label.push(chars[at]);
                        at += 1;
                    }
                    open.push((label, None));
                }
                '}' => {
                    let Some((label, first_leaf)) = open.pop() else { return Err(bad(at, "an unmatched }")) };
                    let index = labels.len();
                    let leaf = first_leaf.unwrap_or(index);
                    let next = self.labels.len() as u32;
                    labels.push(*self.labels.entry(label).or_insert(next));
                    leftmost.push(leaf);
                    match open.last_mut() {
                        // The first child closed gives its parent's leftmost leaf.
                        Some((_, slot @ None)) => *slot = Some(leaf),
                        Some(_) => {}
                        None => finished = true,
                    }
                    at += 1;
                }
                c if c.is_whitespace() => at += 1,
                _ => return Err(bad(at, if finished { "text after the root" } else { "text outside a node" })),
            }
        }
        if !open.is_empty() || labels.is_empty() {
            return Err(bad(chars.len(), if labels.is_empty() { "no node" } else { "an unclosed {" }));
        }
        let mut highest: HashMap<usize, usize> = HashMap::new();
        for (node, &leaf) in leftmost.iter().enumerate() {
            highest.insert(leaf, node);
        }
        let mut keyroots: Vec<usize> = highest.into_values().collect();
        keyroots.sort_unstable();
        Ok(Tree { labels, leftmost, keyroots })
    }
}

fn shorten(text: &str) -> String {
    let mut short: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        short.push_str("...");
    }
    short
}

/// The unit-cost tree edit distance between two trees from one [`TreeParser`].
///
/// ```
/// use banditpam::{tree_edit_distance, TreeParser};
/// let mut parser = TreeParser::default();
/// let a = parser.parse("{a{b}{c}}").unwrap();
/// let b = parser.parse("{a{b{d}}}").unwrap();
/// assert_eq!(tree_edit_distance(&a, &b), 2.0);
/// ```
pub fn tree_edit_distance(a: &Tree, b: &Tree) -> f64 {
    tree_edit_interruptible(a, b, &|| true).unwrap_or(f64::INFINITY)
}

pub(crate) fn tree_edit_interruptible(a: &Tree, b: &Tree, keep_going: &dyn Fn() -> bool) -> Option<f64> {
    let (n, m) = (a.len(), b.len());
    let mut tree_distance = vec![0u32; n * m];
    let mut forest = vec![0u32; (n + 1) * (m + 1)];
    let stride = m + 1;
    let mut cells = 0usize;
    for &i in &a.keyroots {
        for &j in &b.keyroots {
            let (li, lj) = (a.leftmost[i], b.leftmost[j]);
            let (rows, cols) = (i - li + 2, j - lj + 2);
            forest[0] = 0;
            for x in 1..rows {
                forest[x * stride] = forest[(x - 1) * stride] + 1;
            }
            for y in 1..cols {
                forest[y] = forest[y - 1] + 1;
            }
            for x in 1..rows {
                let node_a = li + x - 1;
                for y in 1..cols {
                    let node_b = lj + y - 1;
                    let delete = forest[(x - 1) * stride + y] + 1;
                    let insert = forest[x * stride + y - 1] + 1;
                    let value = if a.leftmost[node_a] == li && b.leftmost[node_b] == lj {
                        // Both forests are whole trees: match their roots.
                        let relabel = u32::from(a.labels[node_a] != b.labels[node_b]);
                        let value = delete.min(insert).min(forest[(x - 1) * stride + y - 1] + relabel);
                        tree_distance[node_a * m + node_b] = value;
                        value
                    } else {
                        let (p, q) = (a.leftmost[node_a] - li, b.leftmost[node_b] - lj);
                        delete.min(insert).min(forest[p * stride + q] + tree_distance[node_a * m + node_b])
                    };
                    forest[x * stride + y] = value;
                }
            }
            cells += rows * cols;
            if cells >= CELLS_PER_CHECK {
                cells = 0;
                if !keep_going() {
                    return None;
                }
            }
        }
    }
    Some(f64::from(tree_distance[(n - 1) * m + m - 1]))
}

/// Trees under [`tree_edit_distance`].
///
/// ```
/// use banditpam::{Dissimilarity, Trees};
/// let data = Trees::parse(&["{a{b}{c}}", "{a{b}}", "{x}"]).unwrap();
/// let mut out = [0.0; 2];
/// data.block(&[0], &[1, 2], &mut out).unwrap();
/// assert_eq!(out, [1.0, 3.0]);
/// ```
pub struct Trees {
    trees: Vec<Tree>,
}

impl Trees {
    /// Parses every tree (bracket notation, one per item).
    ///
    /// Errors: [`Error::EmptyData`]; [`Error::InvalidParameter`] naming the first tree that
    /// does not parse.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self> {
        if items.is_empty() {
            return Err(Error::EmptyData);
        }
        let mut parser = TreeParser::default();
        let trees = items
            .iter()
            .enumerate()
            .map(|(i, text)| {
                parser.parse(text.as_ref()).map_err(|e| match e {
                    Error::InvalidParameter { expected, value, .. } => {
                        Error::InvalidParameter { name: "tree", expected, value: format!("tree {i}: {value}") }
                    }
                    other => other,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Trees { trees })
    }
}

impl Dissimilarity for Trees {
    fn len(&self) -> usize {
        self.trees.len()
    }

    fn block(&self, candidates: &[usize], references: &[usize], out: &mut [f64]) -> Result<()> {
        self.block_interruptible(candidates, references, out, &|| true)
    }

    fn block_interruptible(
        &self,
        candidates: &[usize],
        references: &[usize],
        out: &mut [f64],
        keep_going: &dyn Fn() -> bool,
    ) -> Result<()> {
        super::fill_by_pairs(candidates, references, out, keep_going, |c| {
            move |r| tree_edit_interruptible(&self.trees[c], &self.trees[r], keep_going).ok_or(Error::Interrupted)
        })
    }
}
