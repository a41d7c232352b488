//! Hostile-safe reading of one ClicLavoro XML document, and element paths for errors.
//!
//! The parser is `roxmltree`: pure Rust, no C library, no network, and it refuses a
//! document type declaration by default (`allow_dtd: false`), so neither external
//! entities nor entity expansion bombs can be declared. rosa adds a byte limit, a node
//! limit and a nesting limit before any mapping runs.

use crate::error::FieldError;

/// Largest XML document accepted, in bytes. The longest texts of the ClicLavoro schemas
/// are 5,000 characters; 4 MiB holds hundreds of experiences.
pub const MAX_XML_BYTES: usize = 4 * 1024 * 1024;
/// Most XML nodes (elements, texts, comments...) in one document.
pub const MAX_XML_NODES: u32 = 200_000;
/// Deepest element nesting accepted (the schemas nest 6 deep).
pub const MAX_XML_DEPTH: usize = 32;

/// Namespace of the ClicLavoro *Candidatura*.
pub const NS_CANDIDATURA: &str = "http://servizi.lavoro.gov.it/candidatura";
/// Namespace of the ClicLavoro *Ricerca personale* (vacancy).
pub const NS_VACANCY: &str = "http://servizi.lavoro.gov.it/vacancy";

/// Parses `bytes` as one XML document within the limits above; the error names the
/// line where the problem is.
pub fn parse(bytes: &[u8]) -> Result<roxmltree::Document<'_>, (usize, String)> {
    if bytes.len() > MAX_XML_BYTES {
        return Err((
            0,
            format!(
                "document is {} bytes, at most {MAX_XML_BYTES} (MAX_XML_BYTES)",
                bytes.len()
            ),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        (line, "not valid UTF-8".to_string())
    })?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_XML_NODES,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        let pos = e.pos();
        let msg = match e {
            roxmltree::Error::DtdDetected => {
                "a DTD (<!DOCTYPE>) is not accepted: no entities, external or internal".to_string()
            }
            roxmltree::Error::NodesLimitReached => {
                format!("more than {MAX_XML_NODES} XML nodes (MAX_XML_NODES)")
            }
            other => format!("malformed XML: {other}"),
        };
        (pos.row as usize, msg)
    })?;
    // Depth, without recursion: roxmltree builds the tree iteratively, and so do we.
    let mut stack = vec![(doc.root_element(), 1usize)];
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_XML_DEPTH {
            let line = doc.text_pos_at(node.range().start).row as usize;
            return Err((
                line,
                format!("elements nested more than {MAX_XML_DEPTH} deep (MAX_XML_DEPTH)"),
            ));
        }
        stack.extend(
            node.children()
                .filter(|c| c.is_element())
                .map(|c| (c, depth + 1)),
        );
    }
    Ok(doc)
}

/// The local name of the root element of an XML text, if the text looks like XML
/// (first non-blank character `<`, after an optional byte-order mark): what
/// [`super::sniff`] reads. Skips the XML declaration, comments and processing
/// instructions; reads at most the bytes given.
pub fn root_name(bytes: &[u8]) -> Option<String> {
    let mut s = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    loop {
        let start = s.iter().position(|b| !b.is_ascii_whitespace())?;
        s = &s[start..];
        if !s.starts_with(b"<") {
            return None;
        }
        if s.starts_with(b"<?") {
            let end = s.windows(2).position(|w| w == b"?>")?;
            s = &s[end + 2..];
        } else if s.starts_with(b"<!--") {
            let end = s.windows(3).position(|w| w == b"-->")?;
            s = &s[end + 3..];
        } else if s.starts_with(b"<!") {
            // A DTD: report it as XML so the parser refuses it with a clear message.
            return Some("!DOCTYPE".to_string());
        } else {
            let name: Vec<u8> = s[1..]
                .iter()
                .take_while(|b| !b.is_ascii_whitespace() && **b != b'>' && **b != b'/')
                .copied()
                .collect();
            let name = String::from_utf8_lossy(&name).to_string();
            let local = name.rsplit(':').next().unwrap_or("").to_string();
            return Some(local);
        }
    }
}

/// An element and its path from the root, as errors show it:
/// `/Candidatura/DatiCurriculari/Lingue[2]/idlivelloparlato`. The index `[n]` (1-based)
/// appears when the parent has more than one child of that name.
#[derive(Clone)]
pub struct El<'a, 'input> {
    /// The element.
    pub node: roxmltree::Node<'a, 'input>,
    path: String,
}

/// Collects the problems of one document with their element paths and lines.
pub struct Problems<'a, 'input> {
    doc: &'a roxmltree::Document<'input>,
    /// Every problem, in document order of discovery.
    pub errors: Vec<FieldError>,
    /// Start offsets of the elements whose text was read (the rest is reported as not
    /// modelled).
    pub used: Vec<usize>,
}

impl<'a, 'input> Problems<'a, 'input> {
    /// A collector for `doc`.
    pub fn new(doc: &'a roxmltree::Document<'input>) -> Self {
        Problems {
            doc,
            errors: Vec::new(),
            used: Vec::new(),
        }
    }

    /// The root element, checked to be `name` in `namespace` (or in no namespace).
    pub fn root(&mut self, name: &str, namespace: &str) -> Option<El<'a, 'input>> {
        let node = self.doc.root_element();
        let path = format!("/{}", node.tag_name().name());
        let el = El { node, path };
        if node.tag_name().name() != name {
            self.error(
                &el,
                format!(
                    "root element is <{}>, expected <{name}>",
                    node.tag_name().name()
                ),
            );
            return None;
        }
        match node.tag_name().namespace() {
            None => {}
            Some(ns) if ns == namespace => {}
            Some(ns) => {
                self.error(&el, format!("namespace is {ns:?}, expected {namespace:?}"));
                return None;
            }
        }
        Some(el)
    }

    /// The 1-based line where `el` starts.
    pub fn line(&self, el: &El) -> usize {
        self.doc.text_pos_at(el.node.range().start).row as usize
    }

    /// The text of `el`, marked as read.
    pub fn take(&mut self, el: &El) -> String {
        self.used.push(el.node.range().start);
        el.text()
    }

    /// The text of the child `name` of `el` (marked as read), with the child; an empty
    /// text counts as absent.
    pub fn value(&mut self, el: &El<'a, 'input>, name: &str) -> Option<(El<'a, 'input>, String)> {
        let c = self.child(el, name)?;
        let t = self.take(&c);
        (!t.is_empty()).then_some((c, t))
    }

    /// Like [`Problems::value`], but a missing or empty child is a problem.
    pub fn required_value(
        &mut self,
        el: &El<'a, 'input>,
        name: &str,
    ) -> Option<(El<'a, 'input>, String)> {
        let v = self.value(el, name);
        if v.is_none() {
            self.missing(el, name);
        }
        v
    }

    /// The texts of every child `name` of `el` (marked as read), with the children.
    pub fn values(&mut self, el: &El<'a, 'input>, name: &str) -> Vec<(El<'a, 'input>, String)> {
        let cs = self.children(el, name);
        cs.into_iter()
            .map(|c| {
                let t = self.take(&c);
                (c, t)
            })
            .filter(|(_, t)| !t.is_empty())
            .collect()
    }

    /// Records a problem at `el`.
    pub fn error(&mut self, el: &El, message: impl Into<String>) {
        let line = self.line(el);
        let mut e = FieldError::new(el.path.clone(), message);
        e.line = line;
        self.errors.push(e);
    }

    /// Records a problem about a missing child `name` of `el`.
    pub fn missing(&mut self, el: &El, name: &str) {
        let line = self.line(el);
        let mut e = FieldError::new(
            format!("{}/{name}", el.path),
            "is required and missing (or empty)".to_string(),
        );
        e.line = line;
        self.errors.push(e);
    }

    /// Every child element of `el` named `name`, with paths.
    pub fn children(&self, el: &El<'a, 'input>, name: &str) -> Vec<El<'a, 'input>> {
        let nodes: Vec<_> = el
            .node
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == name)
            .collect();
        let many = nodes.len() > 1;
        nodes
            .into_iter()
            .enumerate()
            .map(|(i, node)| {
                let path = if many {
                    format!("{}/{name}[{}]", el.path, i + 1)
                } else {
                    format!("{}/{name}", el.path)
                };
                El { node, path }
            })
            .collect()
    }

    /// The child `name` of `el`; a second one is a problem (the schema allows one).
    pub fn child(&mut self, el: &El<'a, 'input>, name: &str) -> Option<El<'a, 'input>> {
        let all = self.children(el, name);
        if all.len() > 1 {
            self.error(&all[1], format!("<{name}> may appear once here"));
        }
        all.into_iter().next()
    }

    /// Like [`Problems::child`], but a missing child is a problem.
    pub fn required(&mut self, el: &El<'a, 'input>, name: &str) -> Option<El<'a, 'input>> {
        let c = self.child(el, name);
        if c.is_none() {
            self.missing(el, name);
        }
        c
    }

    /// Flags every child element of `el` whose name is not in `allowed` (a typo must not
    /// pass silently, as with unknown JSON fields).
    pub fn only(&mut self, el: &El<'a, 'input>, allowed: &[&str]) {
        for c in el.node.children().filter(|c| c.is_element()) {
            let name = c.tag_name().name();
            if !allowed.contains(&name) {
                let path = format!("{}/{name}", el.path);
                self.error(
                    &El { node: c, path },
                    format!(
                        "unknown element <{name}> in <{}>",
                        el.node.tag_name().name()
                    ),
                );
            }
        }
    }
}

impl<'a, 'input> El<'a, 'input> {
    /// The element's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The element's text content, trimmed (child elements are not expected here).
    pub fn text(&self) -> String {
        let mut s = String::new();
        for t in self.node.children().filter(|c| c.is_text()) {
            s.push_str(t.text().unwrap_or(""));
        }
        s.trim().to_string()
    }

    /// The local name.
    pub fn name(&self) -> &'a str {
        self.node.tag_name().name()
    }
}
