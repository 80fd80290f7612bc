"""The words of the letters to submitters, in Vietnamese and English: the letter sheet at the front
of each annotated workbook (heza/present/letter.py), the e-mail each zone gets and the staff's list
of those e-mails (heza/present/zone_letters.py). Kept apart from words.py only for its length;
words.py re-exports them, so every module still reads its words from there."""

from __future__ import annotations

# the letter at the top of the first sheet (heza/present/letter.py)
LETTER = {
    "vi": {
        "title": "KẾT QUẢ KIỂM TRA SỐ LIỆU THÁNG {period}", "title_no_period": "KẾT QUẢ KIỂM TRA SỐ LIỆU",
        "zone": "Đơn vị báo cáo: {zones}", "zone_code": "{name} (mã khu {code})", "no_zone": "Đơn vị báo cáo: chưa xác định được khu",
        "file": "Tệp đã nộp: {file}",
        "result": "Kết quả: {errors} lỗi (các dòng có lỗi bị giữ lại, chưa được công bố) và {warnings} cảnh báo (cần xem lại).",
        "reply_by": "Hạn gửi lại tệp đã sửa: ngày {date}",
        "todo": "Anh/chị cần làm:",
        "steps": [
            "1. Đọc từng dòng của bảng dưới đây. Bấm vào ô ở cột «Ô» để tới đúng ô đó trong bản sao tệp của anh/chị "
            "(các trang sau trang này). Ô tô đỏ là ô cần sửa, ô tô vàng là cảnh báo; rê chuột lên ô để đọc ghi chú.",
            "2. Sửa trong tệp gốc của anh/chị, không sửa bản sao này. Cột «Giá trị gợi ý» là giá trị có lẽ đúng: "
            "chỉ dùng khi đúng với thực tế.",
            "3. Lỗi: dòng đó chưa được công bố cho đến khi sửa. Cảnh báo: nếu số liệu đúng thì không cần sửa, "
            "chỉ cần ghi rõ lý do khi gửi lại.",
            "4. Gửi lại toàn bộ tệp đã sửa cho Ban Quản lý Khu kinh tế Hải Phòng{by}.",
        ],
        "by": " trước ngày {date}", "row": "dòng {row}",
        "compared": "{label}: khu báo cáo {reported}, cộng các dòng doanh nghiệp {summed}",
        "difference": " (chênh {difference})",
    },
    "en": {
        "title": "DATA CHECK RESULT FOR {period}", "title_no_period": "DATA CHECK RESULT",
        "zone": "Reporting unit: {zones}", "zone_code": "{name} (zone code {code})", "no_zone": "Reporting unit: zone not identified",
        "file": "File submitted: {file}",
        "result": "Result: {errors} errors (those rows are held back, not published) and {warnings} warnings (to review).",
        "reply_by": "Send the corrected file back by: {date}",
        "todo": "What to do:",
        "steps": [
            "1. Read each line of the table below. Click the cell in the «Cell» column to go to that cell in the copy "
            "of your file (the sheets after this one). Red cells are to fix, amber cells are warnings; hover to read the note.",
            "2. Correct your own file, not this copy. «Suggested value» is the value that is probably right: use it "
            "only when it matches the facts.",
            "3. Errors: the row is not published until corrected. Warnings: if the figure is right, nothing to fix; "
            "say why when you send the file back.",
            "4. Send the whole corrected file back to the Hai Phong Economic Zone Authority{by}.",
        ],
        "by": " by {date}", "row": "row {row}",
        "compared": "{label}: zone report {reported}, sum of the enterprise rows {summed}",
        "difference": " (difference {difference})",
    },
}

# -- the letter e-mailed to each zone (heza/present/zone_letters.py) and the staff's list of them -------

ZONE_LETTER = {
    "vi": {
        "subject": "{prefix} Kết quả kiểm tra số liệu tháng {period} — {zone}: {errors} lỗi, {warnings} cảnh báo; "
                   "gửi lại trước ngày {date}",
        "greeting": "Kính gửi {zone},",
        "intro": "Ban Quản lý Khu kinh tế Hải Phòng đã kiểm tra số liệu tháng {period} đơn vị gửi. Tệp đính kèm là "
                 "bản sao tệp của đơn vị: trang đầu «Kiểm tra» hướng dẫn cách sửa và liệt kê từng vấn đề; bấm vào ô ở "
                 "cột «Ô» để tới đúng ô (ô tô đỏ cần sửa, ô tô vàng cần xem lại).",
        "list": "Các vấn đề cần xem:", "at": "trang {sheet}, ô {cell}", "suggested": "gợi ý",
        "ask": "Đề nghị đơn vị sửa trong tệp gốc và gửi lại toàn bộ tệp đã sửa trước ngày {date}. Với cảnh báo, "
               "nếu số liệu đúng thì không cần sửa, chỉ cần ghi rõ lý do khi gửi lại.",
        "footer": "Thư này được gửi tự động; thư chỉ gồm số liệu của đơn vị.",
    },
    "en": {
        "subject": "{prefix} Data check result {period} — {zone}: {errors} errors, {warnings} warnings; "
                   "reply by {date}",
        "greeting": "Dear {zone},",
        "intro": "The Hai Phong Economic Zone Authority has checked the figures you sent for {period}. The attachment "
                 "is a copy of your file: its first sheet explains what to do and lists each problem; click the cell "
                 "in the «Cell» column to go to it (red cells to fix, amber cells to review).",
        "list": "Problems to look at:", "at": "sheet {sheet}, cell {cell}", "suggested": "suggested",
        "ask": "Please correct your own file and send the whole corrected file back by {date}. For a warning, if the "
               "figure is right, nothing needs fixing; say why when you reply.",
        "footer": "This message was sent automatically; it holds only your unit's figures.",
    },
}
ZONE_LETTERS_TITLE = ("Thư gửi các khu (bản sao có đánh dấu)", "Letters to the zones (marked copies)")
ZONE_LETTER_STATUS = {
    "sent": ("đã gửi", "sent"), "outbox": ("chưa cấu hình SMTP, thư nằm trong hộp thư đi", "no SMTP server set, in the outbox"),
    "failed": ("gửi không được, thư nằm trong hộp thư đi", "could not be sent, in the outbox"),
    "not_kept": ("KHÔNG gửi và KHÔNG ghi được thư", "NOT sent and NOT written"),
    "no_contact": ("chưa có địa chỉ trong submitters.csv: cán bộ chuyển tay", "no address in submitters.csv: staff forward it"),
    "mixed": ("tệp có dòng của nhiều khu ({zones}): không gửi cho khu nào, cán bộ chuyển tay",
              "the file holds rows of several zones ({zones}): sent to no zone, staff forward it"),
    "no_zone": ("tệp không thuộc riêng khu nào: không gửi, để cán bộ xem", "the file is no single zone's: not sent, for staff"),
}
