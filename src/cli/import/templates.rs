//! Template syntax that only its generator can render: Liquid tags and
//! output (`{% … %}`, `{{ … }}`, Jekyll) and Hugo or Zola shortcodes
//! (`{{< … >}}`, `{{% … %}}`). Folio renders it as text, so the import
//! reports each kind per file for the author to fix; nothing is converted.

use std::collections::BTreeMap;

/// What a body holds, as `{% include %} ×2`, `{{< figure >}}`, in order of
/// first appearance. Closing tags (`{% endif %}`, `{{< /note >}}`) are not
/// listed apart from their opening tag.
pub fn scan(body: &str) -> Vec<String> {
    let mut found: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut rest = body;
    while let Some(start) = rest.find('{') {
        let here = &rest[start..];
        let hit = [
            ("{{<", ">}}", "{{< ", " >}}"),
            ("{{%", "%}}", "{{% ", " %}}"),
            ("{%", "%}", "{% ", " %}"),
            ("{{", "}}", "{{ ", " }}"),
        ]
        .into_iter()
        .find_map(|(open, close, show_open, show_close)| {
            let inner = here.strip_prefix(open)?;
            let end = inner.find(close)?;
            let content = inner[..end].trim().trim_start_matches('-').trim();
            // A comment in a Go template shortcode: `{{</* … */>}}` is
            // Hugo's way of showing one literally; still not renderable.
            let content = content.trim_start_matches("/*").trim_start();
            let name: String = content
                .split(|c: char| c.is_whitespace() || c == '|' || c == '(')
                .next()
                .unwrap_or_default()
                .chars()
                .take(40)
                .collect();
            let closing = name.starts_with('/') || (open == "{%" && name.starts_with("end"));
            let shown =
                (!name.is_empty() && !closing).then(|| format!("{show_open}{name}{show_close}"));
            Some((open.len() + end + close.len(), shown))
        });
        match hit {
            Some((len, shown)) => {
                if let Some(shown) = shown {
                    let next = found.len();
                    found.entry(shown).or_insert((next, 0)).1 += 1;
                }
                rest = &here[len..];
            }
            None => {
                rest = &here[1..];
            }
        }
    }
    let mut list: Vec<_> = found.into_iter().collect();
    list.sort_by_key(|(_, (order, _))| *order);
    list.into_iter()
        .map(|(shown, (_, n))| {
            if n > 1 {
                format!("{shown} ×{n}")
            } else {
                shown
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_liquid_and_shortcodes_once_each_with_counts() {
        let body = "{% include note.html %}\n{{ page.title | upcase }}\n{% if x %}a{% endif %}\n\
                    {{< figure src=\"a.png\" >}}\n{{% notice tip %}}x{{% /notice %}}\n\
                    {% include note.html %}\n{{< youtube id >}}\n{{ youtube(id=\"x\") }}";
        assert_eq!(
            scan(body),
            vec![
                "{% include %} ×2",
                "{{ page.title }}",
                "{% if %}",
                "{{< figure >}}",
                "{{% notice %}}",
                "{{< youtube >}}",
                "{{ youtube }}"
            ]
        );
    }

    #[test]
    fn plain_braces_are_not_templates() {
        assert!(scan("a { b } c {d} {{ unclosed\n`{}`").is_empty());
    }
}
