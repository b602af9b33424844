//! The parser: any text is either a Document or a located error — never a panic — and it
//! accepts exactly what serde_json accepts, with the same value (key order included), and
//! every pointer into the value has a span inside the text.
#![no_main]

use ecs_lens_core::document::Document;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ours = Document::parse(text);
    let theirs = serde_json::from_str::<Value>(text);
    match (&ours, &theirs) {
        (Ok(doc), Ok(value)) => {
            assert_eq!(doc.value(), value, "same value");
            assert_eq!(serde_json::to_string(doc.value()).unwrap(), serde_json::to_string(value).unwrap(), "same key order");
            let mut pointers = Vec::new();
            collect(value, String::new(), &mut pointers);
            for p in pointers {
                let (region, found) = doc.locate(&p);
                assert!(found, "{p} is located");
                assert!(region.start <= region.end && region.end <= text.len(), "{p}: span inside the text");
            }
        }
        (Err(e), Err(_)) => {
            let lines = text.split('\n').count() as u32;
            assert!(e.line >= 1 && e.line <= lines.max(1) + 1, "error line {} of {lines}", e.line);
            assert!(e.offset <= text.len());
        }
        (Ok(_), Err(e)) => panic!("accepted what serde_json refuses ({e})"),
        (Err(e), Ok(_)) => panic!("refused what serde_json accepts ({e})"),
    }
});

fn collect(v: &Value, at: String, out: &mut Vec<String>) {
    if out.len() > 2000 {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                collect(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                collect(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}
