//! Small helpers over quick-xml's writer (escaping is quick-xml's, never hand-rolled).

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// An XML document being written into memory.
pub(crate) struct XmlDoc {
    writer: Writer<Vec<u8>>,
}

impl XmlDoc {
    /// Starts a document with `<?xml version="1.0" encoding="UTF-8"?>`.
    pub(crate) fn new() -> Self {
        let mut writer = Writer::new(Vec::with_capacity(256));
        // Writing into a Vec cannot fail.
        let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        writer.get_mut().push(b'\n');
        Self { writer }
    }

    /// Opens `<name attr="value"…>`.
    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        let mut start = BytesStart::new(name);
        for attr in attrs {
            start.push_attribute(*attr);
        }
        let _ = self.writer.write_event(Event::Start(start));
        self
    }

    /// Closes `</name>`.
    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        let _ = self.writer.write_event(Event::End(BytesEnd::new(name)));
        self
    }

    /// Writes `<name>text</name>` with `text` escaped.
    pub(crate) fn text_element(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name, &[]);
        // Only `<`, `>` and `&` are escaped in text, as AWS does (quotes stay literal).
        let escaped = quick_xml::escape::partial_escape(text);
        let _ = self
            .writer
            .write_event(Event::Text(BytesText::from_escaped(escaped)));
        self.close(name)
    }

    /// The finished bytes.
    pub(crate) fn finish(self) -> Vec<u8> {
        self.writer.into_inner()
    }
}

/// The text of a JSON value for an XML element (strings unquoted).
pub(crate) fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
