# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PowerShell values as a script sees them, and how win_powershell turns them into JSON.

A twin that stands for a script emits values of these kinds, so the emulated win_powershell can
convert them exactly as the real module does: Python ``None``, ``str``, ``bool``, ``int`` and
``float`` stand for the .NET primitives, ``list`` for an array (IList), ``dict`` for a hashtable
(IDictionary), and the classes below for the typed objects a binary cmdlet writes.

Sources:
- ``convert_output`` is ``Convert-OutputObject`` of ansible.windows 3.8.0
  (plugins/modules/win_powershell.ps1, read in the pinned wheel): enums become
  ``{Type, String, Value}`` while the depth lasts, DateTimes their ``ToString('o')``, value types
  stay as they are, anything deeper than ``depth`` its ``[string]`` form, lists and dictionaries
  recurse with ``depth - 1``, and any other object becomes a dictionary of its properties.
- ``to_string`` is PowerShell's ``[string]`` cast (LanguagePrimitives.ConvertTo with the
  invariant culture): an enum gives its name, an array its items joined by a space ($OFS), a
  hashtable its type name, an object its ToString() (its type name unless overridden).
- ``properties`` is ``$value.PSObject.Properties``: for a hashtable these are the .NET
  properties of Hashtable (Count, Keys, ...), not its keys; a DataRow adds RowError, RowState,
  Table, ItemArray and HasErrors to its columns (the DataRow adapter).
- ``unroll`` is what PowerShell does to a collection written to the pipeline by a script block:
  it enumerates it one level; a DataTable enumerates its rows (LanguagePrimitives.GetEnumerable).
- ``json_value`` is ``ConvertTo-Json -Compress`` of Windows PowerShell 5.1, which Ansible.Basic's
  ToJson uses for the module result: an enum left over (deeper than ``depth``) is its number.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass, field
from datetime import datetime, timezone

PS_CUSTOM_OBJECT = "System.Management.Automation.PSCustomObject"


@dataclass(frozen=True)
class PSEnum:
    """A .NET enum value: its type, its name (ToString()) and its number."""

    type_name: str
    name: str
    value: int


@dataclass(frozen=True)
class PSDateTime:
    """A System.DateTime (kind UTC)."""

    value: datetime

    def round_trip(self) -> str:
        """ToString('o'): seven fractional digits and Z for a UTC time."""
        utc = self.value.astimezone(timezone.utc)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}0Z"

    def invariant(self) -> str:
        """[string] of a DateTime: the invariant culture's general format."""
        return self.value.astimezone(timezone.utc).strftime("%m/%d/%Y %H:%M:%S")


@dataclass
class PSObject:
    """A .NET object (or a PSCustomObject): type names as PSTypeNames lists them, properties in order."""

    type_names: tuple[str, ...]
    properties: dict[str, t.Any] = field(default_factory=dict)
    text: str | None = None  # what ToString() returns; None means the type name

    def to_string(self) -> str:
        if self.text is not None:
            return self.text
        if self.type_names[0] == PS_CUSTOM_OBJECT:
            return "@{" + "; ".join(f"{name}={to_string(value)}" for name, value in self.properties.items()) + "}"
        return self.type_names[0]


@dataclass
class PSDataTable:
    """A System.Data.DataTable: rows of named columns."""

    name: str
    columns: tuple[str, ...]
    rows: list[PSDataRow] = field(default_factory=list)

    def add_row(self, values: dict[str, t.Any]) -> PSDataRow:
        row = PSDataRow(table=self, values={column: values.get(column) for column in self.columns})
        self.rows.append(row)
        return row

    def as_object(self) -> PSObject:
        """The table's own properties, as PSObject.Properties lists them (the rows are reachable from them)."""
        return PSObject(("System.Data.DataTable", "System.ComponentModel.MarshalByValueComponent", "System.Object"), {
            "CaseSensitive": False, "IsInitialized": True, "TableName": self.name, "Namespace": "", "Prefix": "",
            "Columns": [PSObject(("System.Data.DataColumn", "System.Object"), {"ColumnName": name}, text=name)
                        for name in self.columns],
            "Rows": list(self.rows), "MinimumCapacity": 50, "HasErrors": False,
        }, text=self.name)


@dataclass
class PSDataRow:
    """A System.Data.DataRow of a table."""

    table: PSDataTable
    values: dict[str, t.Any]

    def adapted_properties(self) -> dict[str, t.Any]:
        """Columns first, then the DataRow's own properties, as the DataRow adapter lists them."""
        return {**self.values, "RowError": "", "RowState": PSEnum("System.Data.DataRowState", "Unchanged", 2),
                "Table": self.table.as_object(), "ItemArray": list(self.values.values()), "HasErrors": False}


def to_string(value: t.Any) -> str:
    """PowerShell's [string] of a value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, PSEnum):
        return value.name
    if isinstance(value, PSDateTime):
        return value.invariant()
    if isinstance(value, list):
        return " ".join("System.Object[]" if isinstance(item, list) else to_string(item) for item in value)
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    if isinstance(value, PSDataRow):
        return "System.Data.DataRow"
    if isinstance(value, PSDataTable):
        return value.name
    return t.cast(PSObject, value).to_string()


def properties(value: t.Any) -> list[tuple[str, t.Any]]:
    """$value.PSObject.Properties as (name, value) pairs."""
    if isinstance(value, PSObject):
        return list(value.properties.items())
    if isinstance(value, PSDataRow):
        return list(value.adapted_properties().items())
    if isinstance(value, PSDataTable):
        return list(value.as_object().properties.items())
    if isinstance(value, dict):
        return [("IsReadOnly", False), ("IsFixedSize", False), ("IsSynchronized", False), ("Keys", list(value)),
                ("Values", list(value.values())), ("SyncRoot", PSObject(("System.Object",))), ("Count", len(value))]
    if isinstance(value, str):
        return [("Length", len(value))]
    if isinstance(value, list):
        return [("Length", len(value)), ("LongLength", len(value)), ("Rank", 1), ("Count", len(value))]
    return []


def unroll(value: t.Any) -> list[t.Any]:
    """What a script block's output becomes in the pipeline: collections enumerated one level."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, PSDataTable):
        return list(value.rows)
    if value is None:
        return []
    return [value]


def _is_value_type(value: t.Any) -> bool:
    return isinstance(value, (bool, int, float, PSEnum))


def convert_output(value: t.Any, depth: int) -> t.Any:
    """Convert-OutputObject of the real win_powershell, for one value at the given depth."""
    if value is None:
        return None
    if isinstance(value, PSEnum) and depth >= 0:
        return {"Type": value.type_name, "String": value.name, "Value": value.value}
    if isinstance(value, PSDateTime):
        return value.round_trip()
    if isinstance(value, str) or _is_value_type(value):
        return value
    if depth < 0:
        return to_string(value)
    if isinstance(value, list):
        return [convert_output(item, depth - 1) for item in value]
    if isinstance(value, dict):
        return {str(key): convert_output(item, depth - 1) for key, item in value.items()}
    return {name: convert_output(item, depth - 1) for name, item in properties(value)}


def json_value(value: t.Any) -> t.Any:
    """ConvertTo-Json's view of a converted value: enums that were too deep to expand are numbers."""
    if isinstance(value, PSEnum):
        return value.value
    if isinstance(value, list):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    return value
