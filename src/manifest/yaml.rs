//! YAML stream → documents with spans (saphyr-parser events).
//!
//! Each document is parsed on its own (see [`super::split`]) and its tree is built from the
//! event stream with an explicit stack, so nesting depth costs heap, not call stack.
//!
//! saphyr's event spans are not node spans: collection starts may include anchors and tags,
//! block collection ends point at the next token, block scalars start at their first content
//! character and end after the trailing blank lines. The builder corrects each from the text.

use super::helm::{self, Standalone};
use super::json;
use super::offsets::CharMap;
use super::split::{self, Piece};
use super::{Document, Node, ParseError, ParseOptions, Scalar, Style, Value};
use memchr::{memchr, memchr2, memmem};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Splits `src` into documents and parses each.
///
/// YAML streams split on `---`/`...` lines; with `opts.json` the whole file is one value.
/// Never panics; every span is inside `src` and on char boundaries.
pub fn parse_stream(src: &str, opts: &ParseOptions) -> Vec<Document> {
    let pieces = if opts.json {
        let start = split::content_start(src);
        vec![Piece {
            span: start..src.len(),
            parse_start: start,
        }]
    } else {
        split::split(src)
    };
    pieces
        .into_iter()
        .enumerate()
        .map(|(index, piece)| parse_piece(src, index, piece, opts))
        .collect()
}

fn parse_piece(src: &str, index: usize, piece: Piece, opts: &ParseOptions) -> Document {
    let Piece { span, parse_start } = piece;
    let text = src.get(parse_start..span.end).unwrap_or_default();
    let has_template = memmem::find(text.as_bytes(), b"{{").is_some();
    let mut result = parse_text(src, text, parse_start, opts, Standalone::Blank);
    if has_template && result.is_err() {
        // Blank lines broke a block scalar's indentation: try comments instead.
        if let Ok(root) = parse_text(src, text, parse_start, opts, Standalone::Comment) {
            result = Ok(root);
        }
    }
    let (root, error) = match result {
        Ok(root) => (root, None),
        Err(e) => (None, Some(e)),
    };
    Document {
        index,
        span,
        root,
        error,
        templated: has_template || opts.tolerant,
    }
}

/// Parses one document's text (`src[base..]`), masking template actions first.
fn parse_text(
    src: &str,
    text: &str,
    base: usize,
    opts: &ParseOptions,
    standalone: Standalone,
) -> Result<Option<Node>, ParseError> {
    let (mut owned, actions) = match helm::mask(text, standalone) {
        Some(m) => {
            let actions = m.actions.into_iter().map(|r| r.start + base..r.end + base);
            (Some(m.text), actions.collect())
        }
        None => (None, Vec::new()),
    };
    if opts.json
        && let Some(copy) = json::yaml_compatible(owned.as_deref().unwrap_or(text))
    {
        owned = Some(copy);
    }
    if let Some(copy) = ascii_directives(owned.as_deref().unwrap_or(text)) {
        owned = Some(copy);
    }
    let parse_text = owned.as_deref().unwrap_or(text);
    let input = Input {
        src,
        text: parse_text,
        base,
        map: CharMap::new(parse_text),
        actions: &actions,
        opts,
    };
    parse_document(&input)
}

/// A copy with the non-ASCII characters of the directive lines (`%...` before the first
/// `---`) replaced by as many `x` bytes; `None` when there are none. saphyr counts a
/// directive it skips in bytes but everything else in characters, which shifted every later
/// span (found by fuzzing: `%Y \u{e9}\n--- {a: 0}`). Directives mean nothing to the rules.
fn ascii_directives(text: &str) -> Option<String> {
    let mut bytes: Option<Vec<u8>> = None;
    let mut start = 0;
    // Lines end at `\n` or a lone `\r` (YAML reads both as line breaks).
    for line in text.split_inclusive(['\n', '\r']) {
        let range = start..start + line.len();
        start = range.end;
        if line.starts_with("---") {
            break;
        }
        if line.starts_with('%') && !line.is_ascii() {
            let b = bytes.get_or_insert_with(|| text.as_bytes().to_vec());
            for x in &mut b[range] {
                if !x.is_ascii() {
                    *x = b'x';
                }
            }
        }
    }
    // Only whole multi-byte characters were replaced, by ASCII: still UTF-8.
    bytes.and_then(|b| String::from_utf8(b).ok())
}

/// What one document's parse reads.
struct Input<'a> {
    /// The whole file (spans are checked against it).
    src: &'a str,
    /// What the parser reads: `src[base..]` for the document, or a masked copy of it with the
    /// same byte length.
    text: &'a str,
    base: usize,
    map: CharMap,
    /// Absolute byte ranges of template actions, sorted.
    actions: &'a [Range<usize>],
    opts: &'a ParseOptions,
}

impl Input<'_> {
    /// Absolute byte offset of a saphyr position, on a char boundary of `src`.
    fn byte(&self, char_index: usize) -> usize {
        let mut b = self.base + self.map.byte(self.text, char_index);
        b = b.min(self.src.len());
        // The masked copy may replace a multi-byte character by letters; snap back so spans
        // stay on the original's boundaries.
        while !self.src.is_char_boundary(b) {
            b -= 1;
        }
        b
    }

    fn raw(&self, span: &Span) -> (usize, usize) {
        let s = self.byte(span.start.index());
        let e = self.byte(span.end.index());
        (s, e.max(s))
    }

    /// The byte at absolute offset `i` of the parsed text.
    fn at(&self, i: usize) -> Option<u8> {
        self.text.as_bytes().get(i.checked_sub(self.base)?).copied()
    }

    fn overlaps_action(&self, span: &Range<usize>) -> bool {
        let i = self.actions.partition_point(|r| r.end <= span.start);
        self.actions
            .get(i)
            .is_some_and(|r| r.start < span.end && span.start < span.end)
    }

    /// True when the next token after `pos` (in the original text) is a template action, as
    /// for `labels:` followed by a line `{{- include "x.labels" . | nindent 4 }}`: the empty
    /// value stands for the action's output.
    fn action_follows(&self, pos: usize) -> bool {
        if self.actions.is_empty() {
            return false;
        }
        let rest = self.src.as_bytes().get(pos..).unwrap_or_default();
        let ws = rest
            .iter()
            .take_while(|&&c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
            .count();
        let at = pos + ws;
        self.actions.binary_search_by_key(&at, |r| r.start).is_ok()
    }

    fn error_at(&self, pos: usize, message: impl Into<String>) -> ParseError {
        let pos = pos.min(self.src.len());
        // One character, so the report points at the culprit without quoting a whole line.
        let end = match self.src.get(pos..).and_then(|s| s.chars().next()) {
            Some(c) if c != '\n' && c != '\r' => pos + c.len_utf8(),
            _ => pos,
        };
        ParseError {
            span: pos..end,
            message: message.into(),
        }
    }

    fn scan_error(&self, e: &ScanError) -> ParseError {
        let pos = self.byte(e.marker().index());
        self.error_at(pos, clean_message(e.info()))
    }
}

/// saphyr's message without position suffixes or quoted source characters.
fn clean_message(info: &str) -> String {
    let info = info.split(" at byte ").next().unwrap_or(info);
    if info.starts_with("unexpected character") {
        return "unexpected reserved character".to_string();
    }
    info.to_string()
}

fn parse_document(input: &Input) -> Result<Option<Node>, ParseError> {
    let mut parser = Parser::new_from_str(input.text);
    match Builder::new(input, None).run(&mut parser) {
        Built::Done(r) => r,
        Built::NeedAliases(first) => {
            // Anchored nodes are cloned only if an alias refers to them: collect those first
            // (documents with aliases are rare, so parsing them twice costs little).
            let mut referenced = HashSet::from([first]);
            for ev in parser {
                match ev {
                    Ok((Event::Alias(id), _)) => {
                        referenced.insert(id);
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            let mut parser = Parser::new_from_str(input.text);
            match Builder::new(input, Some(&referenced)).run(&mut parser) {
                Built::Done(r) => r,
                Built::NeedAliases(_) => Err(input.error_at(input.base, "internal alias error")),
            }
        }
    }
}

enum Built {
    Done(Result<Option<Node>, ParseError>),
    /// Pass 1 met an alias (the anchor id): parse again, keeping anchored nodes.
    NeedAliases(usize),
}

enum Kind {
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>, Option<Node>),
}

/// An open collection.
struct Frame {
    kind: Kind,
    start: usize,
    /// End of the last child's source text (for an alias, the `*name` token).
    end: usize,
    flow: bool,
    anchor: usize,
    /// Nodes in this subtree, itself included.
    count: usize,
    /// Collection levels in this subtree, itself included.
    height: usize,
}

/// A finished node with the bookkeeping its parent needs.
struct Done {
    node: Node,
    /// Where its source text ends in the document (an alias's own token, not the anchor's).
    extent: usize,
    count: usize,
    height: usize,
    anchor: usize,
}

struct Anchored {
    node: Node,
    count: usize,
    height: usize,
}

struct Builder<'a> {
    input: &'a Input<'a>,
    /// `None` in the first pass (no aliases seen yet).
    referenced: Option<&'a HashSet<usize>>,
    anchors: HashMap<usize, Anchored>,
    stack: Vec<Frame>,
    root: Option<Node>,
    /// Offset after the last token seen; block scalar indicators and indentless sequences are
    /// found by scanning forward from here.
    cursor: usize,
    documents: usize,
    /// Nodes created by alias expansion.
    expanded: usize,
    /// Nodes cloned to remember anchored values.
    remembered: usize,
}

type Step = Result<(), ParseError>;

impl<'a> Builder<'a> {
    fn new(input: &'a Input<'a>, referenced: Option<&'a HashSet<usize>>) -> Self {
        Builder {
            input,
            referenced,
            anchors: HashMap::new(),
            stack: Vec::new(),
            root: None,
            cursor: input.base,
            documents: 0,
            expanded: 0,
            remembered: 0,
        }
    }

    fn run(mut self, parser: &mut Parser<'_, saphyr_parser::StrInput<'_>>) -> Built {
        for ev in parser.by_ref() {
            let step = match ev {
                Err(e) => Err(self.input.scan_error(&e)),
                Ok((Event::Alias(id), _)) if self.referenced.is_none() => {
                    return Built::NeedAliases(id);
                }
                Ok((ev, span)) => self.event(ev, &span),
            };
            if let Err(e) = step {
                return Built::Done(Err(e));
            }
        }
        let root = self.root.take().filter(|n| {
            // An explicit but empty document (`---` alone) parses as an empty plain scalar.
            !matches!(&n.value, Value::Scalar(s) if s.style == Style::Plain
                && s.text.is_empty() && n.span.is_empty())
        });
        Built::Done(Ok(root))
    }

    fn event(&mut self, ev: Event<'_>, span: &Span) -> Step {
        let (rs, re) = self.input.raw(span);
        match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => Ok(()),
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    let msg = if self.input.opts.json {
                        "unexpected content after the JSON value"
                    } else {
                        "unexpected document start"
                    };
                    return Err(self.input.error_at(rs, msg));
                }
                Ok(())
            }
            Event::Scalar(text, style, anchor, tag) => {
                let props = anchor > 0 || tag.is_some();
                let (node_span, extent) = self.scalar_span(&text, style, props, rs, re);
                let templated = self.input.overlaps_action(&node_span)
                    || (node_span.is_empty() && self.input.action_follows(node_span.start));
                let style = style_of(style);
                let text = if templated {
                    template_text(self.input.src, &node_span, style)
                        .unwrap_or_else(|| text.into_owned())
                } else {
                    text.into_owned()
                };
                let node = Node {
                    span: node_span,
                    value: Value::Scalar(Scalar {
                        text,
                        style,
                        templated,
                    }),
                };
                self.attach(Done {
                    node,
                    extent,
                    count: 1,
                    height: 0,
                    anchor,
                })
            }
            Event::Alias(id) => {
                self.cursor = self.cursor.max(re);
                self.alias(id, rs, re)
            }
            Event::SequenceStart(anchor, _) => self.open(Kind::Seq(Vec::new()), anchor, rs, re),
            Event::MappingStart(anchor, _) => {
                self.open(Kind::Map(Vec::new(), None), anchor, rs, re)
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(rs, re),
        }
    }

    /// The span of a scalar's own text, and where its source ends (for the parent's end).
    fn scalar_span(
        &mut self,
        text: &str,
        style: ScalarStyle,
        props: bool,
        rs: usize,
        re: usize,
    ) -> (Range<usize>, usize) {
        match style {
            ScalarStyle::Literal | ScalarStyle::Folded => {
                // saphyr starts the span at the first content character (or at the indicator
                // when there is no content) and ends it after the trailing blank lines.
                let from = if props { rs } else { self.cursor.min(rs) };
                let indicator = self.find_block_indicator(from, re).unwrap_or(rs);
                // Content starts on the line after the header (saphyr's start is the header
                // itself when there is no content, or the properties before it).
                let content = rs.max(self.line_end(indicator));
                let end = self.block_scalar_end(indicator, content, re);
                self.cursor = self.cursor.max(re);
                (indicator..end, end)
            }
            ScalarStyle::Plain if text.is_empty() => {
                // No text at all: saphyr gives the span of a neighbouring token (the `:`, the
                // next key, a closing bracket, ...). Place an empty span just after the
                // indicator that introduced it (`a:`, `- `), or after the previous token.
                let pos = if props {
                    re
                } else if self.in_key_position() {
                    // An empty key (`: v`): just before its `:`. Move the cursor there, so its
                    // (possibly empty) value is placed after this `:`, not after an earlier one
                    // (found by fuzzing: `a :\n#c\n:\n`).
                    // An explicit empty key (`? ` with nothing after it): just after the `?`,
                    // so the mapping does not end in blanks (found by fuzzing: `?   `).
                    let p = self.skip_props(self.cursor.min(rs), rs.max(self.cursor));
                    let explicit = self.input.at(p) == Some(b'?')
                        && matches!(
                            self.input.at(p + 1),
                            None | Some(b' ' | b'\t' | b'\r' | b'\n')
                        );
                    self.cursor = self.cursor.max(rs);
                    if explicit { p + 1 } else { rs }
                } else {
                    let from = self.cursor.min(rs);
                    let p = self.skip_props(from, rs);
                    let blank_after = matches!(
                        self.input.at(p + 1),
                        None | Some(b' ' | b'\t' | b'\r' | b'\n')
                    );
                    // Move the cursor past the indicator, so a following empty key does not
                    // start its search at this `:` (found by fuzzing: `k:\n?\n  \n`).
                    match self.input.at(p) {
                        Some(b':') => {
                            self.cursor = self.cursor.max(p + 1);
                            p + 1
                        }
                        // A `?` here starts the next entry (found by fuzzing: `?\n?\n`), not
                        // this empty value of an explicit key: that stays at its key (below).
                        Some(b'-') if blank_after => {
                            self.cursor = self.cursor.max(p + 1);
                            p + 1
                        }
                        _ => {
                            // The cursor can sit after blanks (an indentless sequence's `- `
                            // token includes them; `a:\n- ` at the end of the file, found by
                            // fuzzing): back up so the parent's span does not end in a blank.
                            let floor = self.stack.last().map_or(self.input.base, |f| f.start);
                            let mut q = from;
                            while q > floor
                                && matches!(
                                    self.input.at(q - 1),
                                    Some(b' ' | b'\t' | b'\r' | b'\n')
                                )
                            {
                                q -= 1;
                            }
                            q
                        }
                    }
                };
                (pos..pos, pos)
            }
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                let start = if props { self.skip_props(rs, re) } else { rs };
                // The token runs on over trailing blanks and a comment: find the closing quote.
                let end = self.closing_quote(start, re);
                self.cursor = self.cursor.max(end);
                (start..end, end)
            }
            ScalarStyle::Plain => {
                let start = if props { self.skip_props(rs, re) } else { rs };
                self.cursor = self.cursor.max(re);
                (start..re, re)
            }
        }
    }

    fn in_key_position(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                kind: Kind::Map(_, None),
                ..
            })
        )
    }

    /// Skips anchors, tags, blanks and comments from `from`; the offset of the next token.
    fn skip_props(&self, from: usize, limit: usize) -> usize {
        let mut i = from;
        while i < limit {
            match self.input.at(i) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
                Some(b'#') => i = self.line_end(i),
                Some(b'&' | b'!') => {
                    while i < limit
                        && !matches!(self.input.at(i), Some(b' ' | b'\t' | b'\r' | b'\n') | None)
                    {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        self.snap(i.min(limit))
    }

    /// The `|` or `>` of a block scalar, scanning forward from `from` over blanks, comments,
    /// properties and the indicators that may precede a node (`:`, `-`, `?`).
    fn find_block_indicator(&self, from: usize, limit: usize) -> Option<usize> {
        let mut i = from;
        while i < limit {
            match self.input.at(i)? {
                b'|' | b'>' => return Some(i),
                b' ' | b'\t' | b'\r' | b'\n' | b':' | b'-' | b'?' => i += 1,
                b'#' => i = self.line_end(i),
                b'&' | b'!' => {
                    while i < limit
                        && !matches!(self.input.at(i), Some(b' ' | b'\t' | b'\r' | b'\n') | None)
                    {
                        i += 1;
                    }
                }
                _ => return None,
            }
        }
        None
    }

    /// The offset after the quote closing the quoted scalar that starts at `start`.
    fn closing_quote(&self, start: usize, limit: usize) -> usize {
        let b = self.input.text.as_bytes();
        let rel = |i: usize| i.saturating_sub(self.input.base);
        let Some(body) = b.get(rel(start)..rel(limit)) else {
            return limit;
        };
        let Some((&q, rest)) = body.split_first() else {
            return limit;
        };
        // Usually the token ends at the closing quote; a comment after it is the exception.
        if body.len() >= 2 && body.last() == Some(&q) && memchr(b'#', body).is_none() {
            return limit;
        }
        let mut i = 0;
        while i < rest.len() {
            let found = if q == b'"' {
                memchr2(b'"', b'\\', &rest[i..])
            } else {
                memchr(q, &rest[i..])
            };
            let Some(p) = found else { break };
            let at = i + p;
            match rest[at] {
                b'\\' => i = at + 2,
                _ if q == b'\'' && rest.get(at + 1) == Some(&b'\'') => i = at + 2,
                _ => return self.snap(start + 1 + at + 1),
            }
        }
        self.snap(limit)
    }

    /// End of a block scalar: the end of its last non-blank line (line break excluded), or of
    /// its header indicators when it has no content.
    fn block_scalar_end(&self, indicator: usize, content: usize, re: usize) -> usize {
        let b = self.input.text.as_bytes();
        let rel = |i: usize| i.saturating_sub(self.input.base);
        let body = b.get(rel(content)..rel(re)).unwrap_or_default();
        match body
            .iter()
            .rposition(|&c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            Some(p) => {
                let last = content + p;
                let tail = b.get(rel(last)..rel(re)).unwrap_or_default();
                let len = tail
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .unwrap_or(tail.len());
                self.snap(last + len)
            }
            None => {
                let mut i = indicator + 1;
                while matches!(self.input.at(i), Some(b'+' | b'-' | b'0'..=b'9')) {
                    i += 1;
                }
                self.snap(i)
            }
        }
    }

    /// Offset of the line break ending the line at `i` (or the end of the text).
    fn line_end(&self, i: usize) -> usize {
        let b = self.input.text.as_bytes();
        let rel = i.saturating_sub(self.input.base);
        let rest = b.get(rel..).unwrap_or_default();
        i + rest
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .unwrap_or(rest.len())
    }

    fn snap(&self, mut i: usize) -> usize {
        i = i.min(self.input.src.len());
        while !self.input.src.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    fn open(&mut self, kind: Kind, anchor: usize, rs: usize, re: usize) -> Step {
        if self.stack.len() >= self.input.opts.max_depth {
            return Err(self.input.error_at(
                rs,
                format!("nesting deeper than {} levels", self.input.opts.max_depth),
            ));
        }
        let is_seq = matches!(kind, Kind::Seq(_));
        // A flow collection's token is its bracket (plus any trailing blanks and comment),
        // after the anchor and tag; a block collection's token is zero-width on its first key
        // or `-`, so skipping the properties runs into the end of the raw span.
        let bracket = self.skip_props(rs, re);
        let flow = bracket < re && matches!(self.input.at(bracket), Some(b'{' | b'['));
        let start = if flow {
            bracket
        } else if is_seq && (self.value_of_block_map() || self.key_of_block_map()) {
            // An indentless sequence (`key:\n- a`, or an explicit key's `?\n- a`, found by
            // fuzzing) is reported after its first `- `; scan from the key to the `-`.
            let mut p = self.skip_to_node(self.cursor.min(re), re);
            if self.key_of_block_map() && self.input.at(p) == Some(b'?') {
                p = self.skip_to_node(p + 1, re);
            }
            if self.input.at(p) == Some(b'-') {
                p
            } else {
                re
            }
        } else {
            // saphyr can place the mark of a block collection whose properties sit on the line
            // before it just after them (found by fuzzing: `k: &a\n"x": v`): step over the
            // blanks and comments to its first token.
            self.skip_blanks(re)
        };
        self.cursor = self.cursor.max(re);
        self.stack.push(Frame {
            kind,
            start,
            end: start + usize::from(flow),
            flow,
            anchor,
            count: 1,
            height: 1,
        });
        Ok(())
    }

    fn key_of_block_map(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                kind: Kind::Map(_, None),
                flow: false,
                ..
            })
        )
    }

    fn value_of_block_map(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                kind: Kind::Map(_, Some(_)),
                flow: false,
                ..
            })
        )
    }

    /// Skips blanks, line breaks and comments from `from`.
    fn skip_blanks(&self, from: usize) -> usize {
        let mut i = from;
        loop {
            match self.input.at(i) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
                Some(b'#')
                    if i > 0
                        && matches!(self.input.at(i - 1), Some(b' ' | b'\t' | b'\r' | b'\n')) =>
                {
                    i = self.line_end(i)
                }
                _ => return i,
            }
        }
    }

    /// Skips blanks, comments, properties and a `:` from `from`.
    fn skip_to_node(&self, from: usize, limit: usize) -> usize {
        let mut i = from;
        while i < limit {
            match self.input.at(i) {
                Some(b':') => i += 1,
                Some(_) => {
                    let j = self.skip_props(i, limit);
                    if j == i {
                        break;
                    }
                    i = j;
                }
                None => break,
            }
        }
        i
    }

    fn close(&mut self, rs: usize, re: usize) -> Step {
        let Some(frame) = self.stack.pop() else {
            return Err(self.input.error_at(rs, "unbalanced collection end"));
        };
        // The closing bracket's token also covers trailing blanks and a comment.
        let closed = frame.flow && re > rs && matches!(self.input.at(rs), Some(b'}' | b']'));
        let end = if closed {
            rs + 1
        } else {
            frame.end.max(frame.start)
        };
        if closed {
            self.cursor = self.cursor.max(re);
        }
        let value = match frame.kind {
            Kind::Seq(items) => Value::Seq(items),
            Kind::Map(mut entries, pending) => {
                if let Some(key) = pending {
                    // Unreachable with saphyr's event order; keep the key rather than drop it.
                    let at = key.span.end;
                    entries.push((key, empty_node(at)));
                }
                Value::Map(merge_keys(entries))
            }
        };
        self.attach(Done {
            node: Node {
                span: frame.start..end,
                value,
            },
            extent: end,
            count: frame.count,
            height: frame.height,
            anchor: frame.anchor,
        })
    }

    fn alias(&mut self, id: usize, rs: usize, re: usize) -> Step {
        let budget = self.input.opts.alias_budget;
        let Some(anchored) = self.anchors.get(&id) else {
            return Err(self
                .input
                .error_at(rs, "alias refers to an unfinished node (recursive alias)"));
        };
        if self.expanded.saturating_add(anchored.count) > budget {
            return Err(self.input.error_at(
                rs,
                format!("alias expansion exceeds {budget} nodes (alias bomb?)"),
            ));
        }
        if self.stack.len() + anchored.height > self.input.opts.max_depth {
            return Err(self.input.error_at(
                rs,
                format!("nesting deeper than {} levels", self.input.opts.max_depth),
            ));
        }
        self.expanded += anchored.count;
        let done = Done {
            node: anchored.node.clone(),
            extent: re,
            count: anchored.count,
            height: anchored.height,
            anchor: 0,
        };
        self.attach(done)
    }

    fn attach(&mut self, done: Done) -> Step {
        let Done {
            node,
            extent,
            count,
            height,
            anchor,
        } = done;
        if anchor > 0 && self.referenced.is_some_and(|r| r.contains(&anchor)) {
            // Every referenced anchor is expanded at least once, so remembering more nodes
            // than the budget means expansion would exceed it too.
            let budget = self.input.opts.alias_budget;
            self.remembered = self.remembered.saturating_add(count);
            if self.remembered > budget {
                return Err(self.input.error_at(
                    node.span.start,
                    format!("alias expansion exceeds {budget} nodes (alias bomb?)"),
                ));
            }
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    count,
                    height,
                },
            );
        }
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        parent.end = parent.end.max(extent);
        parent.count = parent.count.saturating_add(count);
        parent.height = parent.height.max(height + 1);
        match &mut parent.kind {
            Kind::Seq(items) => items.push(node),
            Kind::Map(entries, pending) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
        Ok(())
    }
}

/// The text of a templated one-line scalar as written (`{{ .Release.Name }}-db`), not as
/// parsed from the masked copy (`xxxxxxxxxxxxxxxxxxxx-db`): messages that name it show the
/// template, which is not a value. `None` for block and multi-line scalars.
fn template_text(src: &str, span: &Range<usize>, style: Style) -> Option<String> {
    let raw = src.get(span.clone())?;
    if raw.contains(['\n', '\r']) {
        return None;
    }
    let inner = match style {
        Style::Plain => raw,
        Style::SingleQuoted => raw.strip_prefix('\'')?.strip_suffix('\'')?,
        Style::DoubleQuoted => raw.strip_prefix('"')?.strip_suffix('"')?,
        Style::Literal | Style::Folded => return None,
    };
    Some(inner.to_string())
}

fn style_of(style: ScalarStyle) -> Style {
    match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

fn empty_node(at: usize) -> Node {
    Node {
        span: at..at,
        value: Value::Scalar(Scalar {
            text: String::new(),
            style: Style::Plain,
            templated: false,
        }),
    }
}

fn is_merge_key(key: &Node) -> bool {
    matches!(&key.value, Value::Scalar(s) if s.style == Style::Plain && s.text == "<<")
}

/// Resolves merge keys (`<<: *base`, `<<: [*a, *b]`) as Kubernetes' YAML loader does: merged
/// entries follow the explicit ones, only for keys not already present; among several sources
/// the earlier wins. A `<<` whose value is not a mapping (or a sequence of them) stays as is.
fn merge_keys(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let mergeable = |v: &Node| match &v.value {
        Value::Map(_) => true,
        Value::Seq(items) => items.iter().all(|i| matches!(i.value, Value::Map(_))),
        Value::Scalar(_) => false,
    };
    if !entries.iter().any(|(k, v)| is_merge_key(k) && mergeable(v)) {
        return entries;
    }
    let mut own = Vec::with_capacity(entries.len());
    let mut sources = Vec::new();
    for (k, v) in entries {
        if is_merge_key(&k) && mergeable(&v) {
            match v.value {
                Value::Map(m) => sources.push(m),
                Value::Seq(items) => {
                    sources.extend(items.into_iter().filter_map(|i| match i.value {
                        Value::Map(m) => Some(m),
                        _ => None,
                    }))
                }
                Value::Scalar(_) => {}
            }
        } else {
            own.push((k, v));
        }
    }
    let mut seen: HashSet<String> = own
        .iter()
        .filter_map(|(k, _)| k.as_str().map(str::to_string))
        .collect();
    for (k, v) in sources.into_iter().flatten() {
        match k.as_str() {
            Some(name) if !seen.insert(name.to_string()) => {}
            _ => own.push((k, v)),
        }
    }
    own
}
