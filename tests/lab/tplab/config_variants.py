# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Threat Prevention config files written the many ways the field has them.

An agent reads its Enterprise Manager address from ``SIWindowsAgent.exe.config`` and the Admin
Console from ``SIWinConsole.exe.Config``, both as ``appSettings/add[@key='managerAddress']/@value``.
Those files come from the installer, from Notepad (UTF-16 "Unicode", UTF-8 with a BOM), from
editors on other platforms (LF line ends) and from years of hand edits. The collection must change
the address in every one of them without breaking the file, so each ``ConfigStyle`` names one such
variant and the renderers build its exact bytes for the emulated hosts and the tests.

The product facts are the file names, the ``managerAddress`` key and its ``host:port`` format
(agents 3741, console 3740) and the agent keys ``bindTo``, ``dnsLookups`` and ``SDEventFormat``;
the ``startup``, ``configSections``/log4net and ``runtime`` parts are what a .NET 4.7.2
app.config typically carries around them.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, replace

OLD_AGENT_ADDRESS = "192.168.189.135:3741"
"""The former manager left in the commented-out ``managerAddress`` line of agent configs."""

OLD_CONSOLE_ADDRESS = "exampleservername.domain.local:3740"
"""The former manager left in the commented-out ``managerAddress`` line of console configs."""

_BOMS = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
# The name a Windows tool writes in the declaration; UTF-16 names no byte order, the BOM gives it.
_DECLARED_ENCODING = {"utf-8": "utf-8", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}
_ESCAPED_QUOTE = {'"': "&quot;", "'": "&apos;"}


@dataclass(frozen=True)
class ConfigStyle:
    """How one config file in the field is written, down to the bytes an editor has to preserve."""

    name: str
    encoding: str
    bom: bool
    newline: str
    declaration: bool
    quote: str
    value_first: bool
    indent: str
    self_closing: str
    commented_out_address: bool
    extra_keys: bool
    spaced_equals: bool
    multiline_tag: bool

    def __post_init__(self) -> None:
        """Refuse a style the renderers cannot write, so a typo in the catalogue fails at import."""
        if (self.encoding not in _BOMS or self.newline not in ("\r\n", "\n") or self.quote not in _ESCAPED_QUOTE
                or self.self_closing not in ("/>", " />") or self.indent.strip(" \t")):
            raise ValueError(f"unsupported config style: {self!r}")


_INSTALLER = ConfigStyle(
    name="installer", encoding="utf-8", bom=True, newline="\r\n", declaration=True, quote='"', value_first=False, indent="    ",
    self_closing=" />", commented_out_address=False, extra_keys=True, spaced_equals=False, multiline_tag=False,
)
"""What the installer writes (the Visual Studio app.config template); the other styles say how they differ."""


AGENT_STYLES: tuple[ConfigStyle, ...] = (
    _INSTALLER,
    replace(_INSTALLER, name="installer-old-address-commented", commented_out_address=True),
    replace(_INSTALLER, name="utf8-nobom-crlf", bom=False, indent="  ", self_closing="/>"),
    replace(_INSTALLER, name="utf8-nobom-lf", bom=False, newline="\n", indent="  ", self_closing="/>"),
    replace(_INSTALLER, name="utf8-bom-lf", newline="\n"),
    replace(_INSTALLER, name="no-declaration", bom=False, declaration=False, indent="  ", self_closing="/>"),
    replace(_INSTALLER, name="notepad-unicode", encoding="utf-16-le", indent="\t", self_closing="/>"),
    replace(_INSTALLER, name="notepad-unicode-no-declaration", encoding="utf-16-le", declaration=False),
    replace(_INSTALLER, name="notepad-unicode-big-endian", encoding="utf-16-be"),
    replace(_INSTALLER, name="single-quotes", quote="'"),
    replace(_INSTALLER, name="value-before-key", value_first=True),
    replace(_INSTALLER, name="spaced-equals", spaced_equals=True),
    replace(_INSTALLER, name="tag-over-two-lines", multiline_tag=True),
    replace(_INSTALLER, name="tabs", indent="\t", self_closing="/>"),
    replace(_INSTALLER, name="address-only", bom=False, declaration=False, extra_keys=False, indent="  ", self_closing="/>"),
    replace(_INSTALLER, name="hand-edited", bom=False, newline="\n", quote="'", value_first=True, indent="\t", self_closing="/>",
            commented_out_address=True, spaced_equals=True, multiline_tag=True),
)
"""The agent config variants the collection must edit safely."""

CONSOLE_STYLES: tuple[ConfigStyle, ...] = (
    replace(_INSTALLER, name="console-installer"),
    replace(_INSTALLER, name="console-notepad-unicode", encoding="utf-16-le", commented_out_address=True),
    replace(_INSTALLER, name="console-hand-edited", bom=False, newline="\n", quote="'", indent="  ", self_closing="/>",
            extra_keys=False, commented_out_address=True),
)
"""The Admin Console config variants; ``extra_keys`` adds only the ``runtime`` section there."""


def style_by_name(name: str) -> ConfigStyle:
    """Look a style up by the name tests and inventories refer to it by."""
    for style in AGENT_STYLES + CONSOLE_STYLES:
        if style.name == name:
            return style
    raise KeyError(f"no config style {name!r}")


def render_agent_config(style: ConfigStyle, manager_address: str) -> bytes:
    """``SIWindowsAgent.exe.config`` bytes pointing the agent at ``manager_address``."""
    lines = ["<configuration>"]
    if style.extra_keys:
        lines += [
            _at(style, 1, "<configSections>"),
            _at(style, 2, _tag(style, "section", ("name", "log4net"), ("type", "log4net.Config.Log4NetConfigurationSectionHandler, log4net"))),
            _at(style, 1, "</configSections>"),
        ]
    lines += _startup(style)
    lines += _app_settings(style, manager_address, OLD_AGENT_ADDRESS, _agent_keys(style) if style.extra_keys else [])
    if style.extra_keys:
        lines += _log4net(style) + _runtime(style)
    lines.append("</configuration>")
    return _encode(style, lines)


def render_console_config(style: ConfigStyle, manager_address: str) -> bytes:
    """``SIWinConsole.exe.Config`` bytes pointing the Admin Console at ``manager_address``."""
    lines = ["<configuration>"] + _startup(style) + _app_settings(style, manager_address, OLD_CONSOLE_ADDRESS, [])
    if style.extra_keys:
        lines += _runtime(style)
    lines.append("</configuration>")
    return _encode(style, lines)


def _encode(style: ConfigStyle, lines: list[str]) -> bytes:
    if style.declaration:
        q = style.quote
        lines = [f"<?xml version={q}1.0{q} encoding={q}{_DECLARED_ENCODING[style.encoding]}{q}?>"] + lines
    text = style.newline.join(lines) + style.newline
    return (_BOMS[style.encoding] if style.bom else b"") + text.encode(style.encoding)


def _at(style: ConfigStyle, depth: int, text: str) -> str:
    return style.indent * depth + text


def _attribute(style: ConfigStyle, name: str, value: str) -> str:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(style.quote, _ESCAPED_QUOTE[style.quote])
    equals = " = " if style.spaced_equals else "="
    return f"{name}{equals}{style.quote}{escaped}{style.quote}"


def _tag(style: ConfigStyle, name: str, *attributes: tuple[str, str]) -> str:
    """An empty element on one line, e.g. ``<add key="dnsLookups" value="true" />``."""
    return f"<{name} " + " ".join(_attribute(style, *pair) for pair in attributes) + style.self_closing


def _app_settings(style: ConfigStyle, address: str, old_address: str, other_keys: list[str]) -> list[str]:
    lines = [_at(style, 1, "<appSettings>")]
    if style.commented_out_address:
        lines.append(_at(style, 2, "<!-- " + _tag(style, "add", ("key", "managerAddress"), ("value", old_address)) + " -->"))
    key, value = _attribute(style, "key", "managerAddress"), _attribute(style, "value", address)
    first, second = (value, key) if style.value_first else (key, value)
    if style.multiline_tag:
        lines += [_at(style, 2, f"<add {first}"), _at(style, 3, second + style.self_closing)]
    else:
        lines.append(_at(style, 2, f"<add {first} {second}{style.self_closing}"))
    return lines + other_keys + [_at(style, 1, "</appSettings>")]


def _agent_keys(style: ConfigStyle) -> list[str]:
    return [
        _at(style, 2, "<!-- On a host with several network adapters, bindTo needs to be uncommented and set to the IP address to use. -->"),
        _at(style, 2, "<!-- " + _tag(style, "add", ("key", "bindTo"), ("value", "")) + " -->"),
        _at(style, 2, _tag(style, "add", ("key", "dnsLookups"), ("value", "true"))),
        _at(style, 2, _tag(style, "add", ("key", "SDEventFormat"), ("value", "PROTOBUF"))),
    ]


def _startup(style: ConfigStyle) -> list[str]:
    return [
        _at(style, 1, "<startup>"),
        _at(style, 2, _tag(style, "supportedRuntime", ("version", "v4.0"), ("sku", ".NETFramework,Version=v4.7.2"))),
        _at(style, 1, "</startup>"),
    ]


def _log4net(style: ConfigStyle) -> list[str]:
    return [
        _at(style, 1, "<log4net>"),
        _at(style, 2, "<appender " + _attribute(style, "name", "RollingFile") + " " + _attribute(style, "type", "log4net.Appender.RollingFileAppender") + ">"),
        _at(style, 3, _tag(style, "file", ("value", "Logs\\SIWindowsAgent.log"))),
        _at(style, 3, _tag(style, "appendToFile", ("value", "true"))),
        _at(style, 3, "<layout " + _attribute(style, "type", "log4net.Layout.PatternLayout") + ">"),
        _at(style, 4, _tag(style, "conversionPattern", ("value", "%date [%thread] %-5level %logger - %message%newline"))),
        _at(style, 3, "</layout>"),
        _at(style, 2, "</appender>"),
        _at(style, 2, "<root>"),
        _at(style, 3, _tag(style, "level", ("value", "INFO"))),
        _at(style, 3, _tag(style, "appender-ref", ("ref", "RollingFile"))),
        _at(style, 2, "</root>"),
        _at(style, 1, "</log4net>"),
    ]


def _runtime(style: ConfigStyle) -> list[str]:
    return [
        _at(style, 1, "<runtime>"),
        _at(style, 2, "<assemblyBinding " + _attribute(style, "xmlns", "urn:schemas-microsoft-com:asm.v1") + ">"),
        _at(style, 3, "<dependentAssembly>"),
        _at(style, 4, _tag(style, "assemblyIdentity", ("name", "Google.Protobuf"), ("publicKeyToken", "a7d26565bac4d604"), ("culture", "neutral"))),
        _at(style, 4, _tag(style, "bindingRedirect", ("oldVersion", "0.0.0.0-3.21.12.0"), ("newVersion", "3.21.12.0"))),
        _at(style, 3, "</dependentAssembly>"),
        _at(style, 2, "</assemblyBinding>"),
        _at(style, 1, "</runtime>"),
    ]
