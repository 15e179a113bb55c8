# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The read scripts' first statement (#include language_guard, right after their param block). It is put in at
# script level, not as a function, so that its `return` ends the script itself.
# WDAC or AppLocker policies run scripts in ConstrainedLanguage mode, where the .NET calls below fail:
# report the mode using nothing that mode forbids, so the controller can explain it.
if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    $Ansible.Result = @{ language_mode = [string]$ExecutionContext.SessionState.LanguageMode }
    return
}
