# The one way dates, times and figures are shown (#15): day/month/year, then the
# hour ("04/12/2026 03:40"), decimal comma and dot thousands ("1.234,5").
# Django's own `vi` formats spell dates out ("Ngày 04 tháng 12 năm 2026") and put
# the hour first; templates use the names (`|date:"DATETIME_FORMAT"`), Python code
# emulation.numbers.format_date / format_datetime.
DATE_FORMAT = "d/m/Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
YEAR_MONTH_FORMAT = "m/Y"
MONTH_DAY_FORMAT = "d/m"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
# What people type: day first (Django's fallback reads "01/08/2025" as 8 January,
# in the admin too); ISO for what browsers' date pickers send.
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
