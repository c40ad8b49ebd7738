// Text that comes from outside bnconf (a backend's name or message, a case id, a path, a
// results file's strings) made safe for reports and terminals: decoded as UTF-8 with every
// invalid byte replaced by U+FFFD (the Unicode "maximal subpart" practice), so that a JSON,
// XML or HTML writer never meets a byte sequence it cannot encode. And numbers and times as the
// reports write them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bnconf::conformance {

// The code points of `text`, each invalid or truncated UTF-8 sequence (overlong forms,
// surrogates, values above U+10FFFF included) replaced by U+FFFD.
std::u32string code_points(std::string_view text);
void append_utf8(std::string& out, char32_t code_point);

// `text` as valid UTF-8.
std::string valid_utf8(std::string_view text);

// Valid UTF-8 on one line: control characters (C0 but none, DEL, C1) shown as \xNN, at most
// `max_bytes` bytes of input, then "...".
std::string printable(std::string_view text, std::size_t max_bytes = 4096);

// Text as XML 1.0 (and HTML) character data or attribute value: markup characters escaped, code
// points XML 1.0 does not allow written visibly as \xNN.
std::string xml_escape(const std::string& text);

// An error or a bound as the reports print it: 3 significant digits (values: value_text,
// result.hpp).
std::string short_number(double v);

// The time now, ISO 8601 in UTC without a zone suffix ("2025-01-31T12:00:00"), as JUnit's
// timestamp attribute (junit-10.xsd) takes it.
std::string timestamp_now();

}  // namespace bnconf::conformance
