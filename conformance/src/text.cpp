#include "text.hpp"

#include <cstdio>
#include <ctime>

namespace bnconf::conformance {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

// The length of the UTF-8 sequence led by `lead`, or 0 for a byte that cannot lead one.
std::size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;  // continuation bytes, overlong leads C0/C1, F5..FF
}

// Whether `byte` may follow the bytes before it at position `index` of a sequence led by `lead`
// (RFC 3629's table: no overlong forms, no surrogates, nothing above U+10FFFF).
bool continues(unsigned char lead, std::size_t index, unsigned char byte) {
  if (index == 1) {
    if (lead == 0xE0) return byte >= 0xA0 && byte <= 0xBF;
    if (lead == 0xED) return byte >= 0x80 && byte <= 0x9F;
    if (lead == 0xF0) return byte >= 0x90 && byte <= 0xBF;
    if (lead == 0xF4) return byte >= 0x80 && byte <= 0x8F;
  }
  return byte >= 0x80 && byte <= 0xBF;
}

}  // namespace

std::u32string code_points(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = sequence_length(lead);
    if (length == 1) {
      out += static_cast<char32_t>(lead);
      ++i;
      continue;
    }
    std::size_t valid = length == 0 ? 0 : 1;
    while (valid > 0 && valid < length && i + valid < text.size() &&
           continues(lead, valid, static_cast<unsigned char>(text[i + valid]))) {
      ++valid;
    }
    if (length == 0 || valid < length) {
      // One replacement for the maximal invalid subpart, then resume after it.
      out += kReplacement;
      i += valid == 0 ? 1 : valid;
      continue;
    }
    char32_t cp = lead & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    out += cp;
    i += length;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : code_points(text)) append_utf8(out, cp);
  return out;
}

std::string printable(std::string_view text, std::size_t max_bytes) {
  const bool cut = text.size() > max_bytes;
  std::string out;
  for (char32_t cp : code_points(text.substr(0, max_bytes))) {
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned>(cp));
      out += escaped;
    } else {
      append_utf8(out, cp);
    }
  }
  return cut ? out + "..." : out;
}

// Text as XML 1.0 character data or attribute value: markup characters escaped, and every code
// point XML 1.0 does not allow (its production Char: most C0 controls, U+FFFE, U+FFFF; invalid
// UTF-8 is U+FFFD already) written visibly as \xNN, since XML 1.0 has no escape for them.
// Tab, newline and carriage return are kept, as character references, so that attribute
// values keep them too.
std::string xml_escape(const std::string& text) {
  std::string out;
  for (char32_t cp : code_points(text)) {
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\t':
        out += "&#9;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF) {
          char escaped[16];
          std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned>(cp & 0xFFFF));
          out += escaped;
        } else {
          append_utf8(out, cp);
        }
    }
  }
  return out;
}

std::string short_number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g", v);
  return buffer;
}

// ISO 8601 in UTC, as JUnit's timestamp attribute (junit-10.xsd) takes it.
std::string timestamp_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  return buffer;
}

}  // namespace bnconf::conformance
