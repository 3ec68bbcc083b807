# One way to write a date in English: day first, month in letters, never ambiguous for readers in European
# hospitals (no US month-first). DATE and SHORT_DATE are the same on purpose, and so are the datetimes.
DATE_FORMAT = "d M Y"  # 04 Dec 2026
SHORT_DATE_FORMAT = DATE_FORMAT
DATETIME_FORMAT = "d M Y H:i"  # 04 Dec 2026 14:00
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "d M"  # chart ticks: 04 Dec
YEAR_MONTH_FORMAT = "M Y"  # chart months: Dec 2026
WEEKDAY_DATE_FORMAT = "l d M Y"  # schedules: Friday 04 Dec 2026 (cellrelay.formats.weekday, the |weekday filter)
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
FIRST_DAY_OF_WEEK = 1
