/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For the SDF's unit tests: a small well-formedness checker of XML, just
 * what the SDF uses (elements, attributes, escapes, one root), so a test can
 * tell the generator wrote XML the microkit tool will parse.
 */
#ifndef SVMM_TESTS_UNIT_XML_CHECK_H
#define SVMM_TESTS_UNIT_XML_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* An attribute value: no '<', every '&' the start of a known reference. */
static bool value_ok(const char *value, size_t length)
{
	static const char *const refs[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};

	for (size_t i = 0; i < length; i++) {
		bool known = false;

		if (value[i] == '<')
			return false;
		if (value[i] != '&')
			continue;
		for (size_t r = 0; r < sizeof(refs) / sizeof(refs[0]); r++)
			known = known || strncmp(value + i, refs[r], strlen(refs[r])) == 0;
		if (!known && value[i + 1] == '#') {
			size_t j = i + 2;

			while (j < length && value[j] >= '0' && value[j] <= '9')
				j++;
			known = j > i + 2 && j < length && value[j] == ';';
		}
		if (!known)
			return false;
	}
	return true;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.' || c == ':';
}

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

/*
 * Checks the XML declaration, comments, one root element, balanced and
 * properly nested tags, quoted attributes without duplicates, and no text
 * besides white space. Returns NULL when well-formed, else what is wrong.
 */
static const char *xml_problem(const char *text)
{
	const char *stack[16];
	size_t stack_len[16];
	unsigned depth = 0, roots = 0;
	const char *p = text;

	if (strncmp(p, "<?xml ", 6) == 0) {
		p = strstr(p, "?>");
		if (p == NULL)
			return "unterminated declaration";
		p += 2;
	}
	for (;;) {
		const char *name;
		size_t name_len;
		bool closing;

		p = skip_space(p);
		if (*p == '\0')
			break;
		if (*p != '<')
			return "text outside tags";
		if (strncmp(p, "<!--", 4) == 0) {
			const char *end = strstr(p + 4, "--");

			if (end == NULL || end[2] != '>')
				return "bad comment";
			p = end + 3;
			continue;
		}
		closing = p[1] == '/';
		name = p + (closing ? 2 : 1);
		for (name_len = 0; name_char(name[name_len]); name_len++)
			;
		if (name_len == 0)
			return "tag without a name";
		p = name + name_len;
		if (closing) {
			p = skip_space(p);
			if (*p != '>' || depth == 0 || stack_len[depth - 1] != name_len ||
			    strncmp(stack[depth - 1], name, name_len) != 0)
				return "mismatched closing tag";
			depth--;
			p++;
			continue;
		}
		if (depth == 0 && ++roots > 1)
			return "more than one root element";
		{
			const char *attrs[16];
			size_t attr_lens[16];
			unsigned attr_count = 0;

			for (;;) {
				const char *attr, *value;
				size_t attr_len;

				if (*p != ' ' && *p != '\n' && *p != '/' && *p != '>')
					return "attributes not separated by space";
				p = skip_space(p);
				if (*p == '>' || strncmp(p, "/>", 2) == 0)
					break;
				attr = p;
				for (attr_len = 0; name_char(attr[attr_len]); attr_len++)
					;
				if (attr_len == 0 || attr[attr_len] != '=' ||
				    attr[attr_len + 1] != '"')
					return "attribute without =\"value\"";
				for (unsigned a = 0; a < attr_count; a++) {
					if (attr_lens[a] == attr_len &&
					    strncmp(attrs[a], attr, attr_len) == 0)
						return "duplicate attribute";
				}
				if (attr_count == 16)
					return "too many attributes for this checker";
				attrs[attr_count] = attr;
				attr_lens[attr_count++] = attr_len;
				value = attr + attr_len + 2;
				p = strchr(value, '"');
				if (p == NULL)
					return "unterminated attribute value";
				if (!value_ok(value, (size_t)(p - value)))
					return "unescaped character in an attribute value";
				p++;
			}
		}
		if (*p == '/') {
			p += 2;
			continue;
		}
		if (depth == 16)
			return "nested too deeply for this checker";
		stack[depth] = name;
		stack_len[depth++] = name_len;
		p++;
	}
	if (depth != 0)
		return "unclosed element";
	if (roots != 1)
		return "no root element";
	return NULL;
}

static void assert_well_formed(const char *text)
{
	const char *problem = xml_problem(text);

	if (problem != NULL)
		fail_msg("not well-formed XML (%s):\n%s", problem, text);
}

/* ---- tests ---- */

#endif
