"""China's official holidays and make-up workdays, read from the chinesecalendar package."""

from datetime import date

# Chinese names for the holidays chinesecalendar names in English.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def official_calendar_rows(since_year: int = 2020) -> list[tuple[date, bool, str]]:
    """(day, is_workday, name) for every holiday and make-up workday the package knows."""
    from chinese_calendar import constants

    rows = []
    for day, holiday in constants.holidays.items():
        if day.year >= since_year:
            rows.append((day, False, HOLIDAY_NAMES.get(str(holiday), str(holiday))))
    for day, holiday in constants.workdays.items():
        if day.year >= since_year:
            name = HOLIDAY_NAMES.get(str(holiday), str(holiday))
            rows.append((day, True, f"{name}调休"))
    return sorted(rows)


def package_years(since_year: int = 2020) -> list[int]:
    """The years whose whole schedule the package holds (it is updated each December,
    when the State Council publishes the next year's)."""
    from chinese_calendar import constants

    return sorted({day.year for day in constants.holidays if day.year >= since_year})
