"""The words of heza web's messages from Python (Vietnamese, English), apart from the report's words."""

WEB_WORDS = {
    "no_table": ("Không tìm thấy bảng số liệu nào trong tệp (không có dòng tên cột như 'Mã số thuế', 'Tên doanh nghiệp')",
                 "No data table was found in the file (no header row such as 'Mã số thuế', 'Tên doanh nghiệp')"),
    "other_zone": ("Tệp có số liệu của khu khác ({zones}); mỗi khu chỉ nộp số liệu của mình",
                   "The file holds rows of another zone ({zones}); each zone submits only its own"),
    "bad_login": ("Mã truy cập không đúng, hoặc khu này chưa được cấp mã. Hãy kiểm tra lại hoặc hỏi Ban Quản lý.",
                  "The access code is wrong, or this zone has no code yet. Check it or ask HEZA staff."),
    "bad_form": ("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang và làm lại.",
                 "The session expired or the form is not valid. Reload the page and try again."),
    "no_file": ("Chưa chọn tệp. Hãy bấm 'Chọn tệp' và chọn tệp Excel của khu.",
                "No file chosen. Click 'Choose file' and pick the zone's workbook."),
    "too_large": ("Tệp lớn hơn {mb} MB, không nhận. Hãy xoá các trang không cần thiết rồi gửi lại.",
                  "The file is larger than {mb} MB and was refused. Remove the sheets not needed and send it again."),
    "not_spreadsheet": ("Tệp này không phải bảng tính Excel (.xlsx, .xls), LibreOffice (.ods) hay .csv, dù tên tệp là "
                        "'{name}'. Hãy mở tệp bằng Excel và lưu lại dạng .xlsx.",
                        "This file is not an Excel (.xlsx, .xls), LibreOffice (.ods) or .csv spreadsheet, although it is "
                        "named '{name}'. Open it in Excel and save it as .xlsx."),
    "too_slow": ("Kiểm tra tệp quá {seconds:g} giây nên đã dừng. Hãy gửi tệp nhỏ hơn hoặc liên hệ Ban Quản lý.",
                 "Checking the file took more than {seconds:g} seconds and was stopped. Send a smaller file or contact HEZA."),
    "check_failed": ("Không kiểm tra được tệp do lỗi của hệ thống. Ban Quản lý đã được ghi nhận; hãy thử lại sau.",
                     "The file could not be checked because of a system fault; please try again later."),
    "not_found": ("Không tìm thấy trang hoặc tệp này (có thể đã hết hạn). Hãy quay lại trang đầu.",
                  "This page or file was not found (it may have expired). Go back to the first page."),
    "forbidden": ("Bạn không có quyền xem trang này. Hãy đăng nhập bằng mã của khu mình.",
                  "You may not see this page. Log in with your zone's code."),
    "server_error": ("Đã có lỗi ở máy chủ. Không có gì bị mất; hãy quay lại và thử lại, hoặc báo Ban Quản lý.",
                     "Something went wrong on the server. Nothing was lost; go back and try again, or tell HEZA staff."),
    "cannot_submit": ("Tệp này chưa nộp được: {why}", "This file cannot be submitted yet: {why}"),
}
