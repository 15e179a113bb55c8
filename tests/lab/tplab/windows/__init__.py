# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Windows side of the lab: what a Windows host does with what Ansible's connection plugins send it.

Ansible's real ``winrm`` and ``psrp`` connection plugins run unchanged on the controller. Beneath
them, pywinrm's HTTP transport and pypsrp's runspace objects are replaced by stand-ins (``winrs``,
``psrp``) that deliver each command to an emulated host: ``powershell`` decodes the command line,
``exec_wrapper`` runs the manifest Ansible built (module, become, temporary folders, file
transfer), ``basic`` validates module arguments as Ansible.Basic does, and ``modules`` holds the
emulated ansible.windows modules. ``install`` wires the stand-ins into pywinrm and pypsrp.
"""
