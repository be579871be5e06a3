//! Commands printed for the person to copy into a shell: every word that a POSIX
//! shell would split, expand or glob is quoted, so `Jira mock` stays one argument.

/// `text` as one shell word: unchanged when it holds only letters, digits and
/// `-_.,:/=@%+`, else in single quotes (a quote inside written `'\''`).
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | ',' | ':' | '/' | '=' | '@' | '%' | '+')
        });
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `words` as one command line, each quoted as [`shell_word`] does.
pub fn shell_command(words: &[&str]) -> String {
    words
        .iter()
        .map(|word| shell_word(word))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_as_they_are() {
        assert_eq!(shell_word("jira-cloud_2.0"), "jira-cloud_2.0");
        assert_eq!(shell_word("proxy=http://p:3128"), "proxy=http://p:3128");
    }

    #[test]
    fn words_a_shell_would_split_or_expand_are_quoted() {
        assert_eq!(shell_word("Jira mock"), "'Jira mock'");
        assert_eq!(shell_word("$HOME"), "'$HOME'");
        assert_eq!(shell_word("a*"), "'a*'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("-"), "-");
    }

    #[test]
    fn a_command_quotes_each_word() {
        assert_eq!(
            shell_command(&["hookconsole", "sites", "Jira mock", "--choose", "mock-site"]),
            "hookconsole sites 'Jira mock' --choose mock-site"
        );
    }
}
