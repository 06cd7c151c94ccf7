/// Printed lines wrapped for a terminal at word boundaries, continuation rows indented, so `help`, status
/// lines and long messages do not break in the middle of words. Colors take no columns; wide characters
/// take two; a word longer than a row is split where it must be. Piped output is never wrapped.
enum WordWrap {
    /// The rows `line` takes on a terminal `columns` wide, continuation rows indented by `indent` spaces.
    static func rows(_ line: String, columns: Int, indent: Int = 4) -> [String] {
        guard columns > indent + 8, width(of: line) > columns else { return [line] }
        let margin = String(repeating: " ", count: indent)
        var rows: [String] = []
        var row = ""
        var used = 0
        var fresh = true  // nothing but the margin on this row yet
        func breakRow() {
            rows.append(row)
            (row, used, fresh) = (margin, indent, true)
        }
        for word in line.split(separator: " ", omittingEmptySubsequences: false) {
            let wordWidth = width(of: String(word))
            // A word that fits a fresh row starts one; a longer one starts here and is split.
            if !fresh, used + 1 + wordWidth > columns, wordWidth <= columns - indent { breakRow() }
            if !fresh {
                row += " "
                used += 1
            }
            fresh = false
            if used + wordWidth <= columns {
                row += word
                used += wordWidth
                continue
            }
            var inEscape = false
            for character in word {
                let characterWidth: Int
                if character == "\u{1B}" {
                    (inEscape, characterWidth) = (true, 0)
                } else if inEscape {
                    (inEscape, characterWidth) = (!character.isLetter, 0)
                } else {
                    characterWidth = LineEditor.columns(character)
                }
                if used + characterWidth > columns {
                    breakRow()
                    fresh = false
                }
                row.append(character)
                used += characterWidth
            }
        }
        rows.append(row)
        return rows
    }

    /// The columns `text` takes: escape sequences (colors) take none.
    static func width(of text: String) -> Int {
        LineEditor.visible(text).reduce(0) { $0 + LineEditor.columns($1) }
    }
}
