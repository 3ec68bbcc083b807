# Une seule façon d'écrire une date en français : 04/12/2026 (Django écrirait aussi « 4 décembre 2026 »).
# Separators and input formats come from Django's French locale.
DATE_FORMAT = "d/m/Y"  # 04/12/2026
SHORT_DATE_FORMAT = DATE_FORMAT
DATETIME_FORMAT = "d/m/Y H:i"  # 04/12/2026 14:00
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "d/m"  # chart ticks: 04/12
YEAR_MONTH_FORMAT = "M Y"  # chart months: déc. 2026
WEEKDAY_DATE_FORMAT = "l d/m/Y"  # schedules: vendredi 04/12/2026 (cellrelay.formats.weekday, the |weekday filter)
